-- Answers: which trials are recruiting, for which condition, in which country?
-- One row per (condition, country) with the number of recruiting trials and their NCT ids.
-- A trial that lists no condition or no location is counted under '(not stated)'.
-- Parameter: status (default 'RECRUITING'), e.g. SET VARIABLE status = 'NOT_YET_RECRUITING';
with selected_trials as (
    select nct_id, brief_title
    from marts.trials
    where overall_status = coalesce(getvariable('status'), 'RECRUITING')
),

trial_conditions as (
    select selected_trials.nct_id, coalesce(conditions.condition, '(not stated)') as condition
    from selected_trials
    left join marts.conditions using (nct_id)
),

trial_countries as (
    select distinct selected_trials.nct_id, coalesce(locations.country, '(not stated)') as country
    from selected_trials
    left join marts.locations using (nct_id)
)

select
    trial_conditions.condition,
    trial_countries.country,
    count(distinct trial_conditions.nct_id) as n_trials,
    string_agg(distinct trial_conditions.nct_id, ', ' order by trial_conditions.nct_id) as nct_ids
from trial_conditions
inner join trial_countries using (nct_id)
group by all
order by n_trials desc, condition, country;
