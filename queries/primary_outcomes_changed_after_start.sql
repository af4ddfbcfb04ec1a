-- Answers: which trials changed their primary outcome measures after the trial had started?
-- One row per primary outcome added or removed (marts.trial_changes, field primary_outcomes) in a version
-- whose change date falls after the trial's start date as that version states it (marts.trial_history):
-- outcome switching after the start is a classic sign of selective reporting.
select
    changes.nct_id,
    history.brief_title,
    history.start_date,
    changes.changed_at,
    case changes.change_type when 'ROW_ADDED' then 'added' else 'removed' end as change,
    coalesce(changes.new_value, changes.old_value) as primary_outcome,
    changes.changed_at_source,
    changes.run_id
from marts.trial_changes as changes
join marts.trial_history as history using (version_id)
where changes.field_name = 'primary_outcomes'
  and history.start_date is not null
  and cast(changes.changed_at as date) > history.start_date
order by changes.nct_id, changes.changed_at, change desc, primary_outcome;
