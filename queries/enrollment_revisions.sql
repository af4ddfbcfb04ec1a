-- Answers: how did each trial's target or actual enrollment move over time?
-- One row per version of a trial whose enrollment or enrollment type differs from the version before
-- (marts.trial_history), oldest first per trial: the new figure, the previous one, the difference and
-- when the version was published. Trials whose enrollment never changed are not listed.
with versions as (
    select
        nct_id,
        brief_title,
        version_number,
        valid_from,
        run_id,
        enrollment,
        enrollment_type,
        last_update_date,
        lag(enrollment) over (partition by nct_id order by version_number) as previous_enrollment,
        lag(enrollment_type) over (partition by nct_id order by version_number) as previous_enrollment_type
    from marts.trial_history
)
select
    nct_id,
    brief_title,
    version_number,
    previous_enrollment,
    previous_enrollment_type,
    enrollment,
    enrollment_type,
    enrollment - previous_enrollment as difference,
    last_update_date,
    valid_from as published_from,
    run_id
from versions
where version_number > 1
  and (enrollment is distinct from previous_enrollment or enrollment_type is distinct from previous_enrollment_type)
order by nct_id, version_number;
