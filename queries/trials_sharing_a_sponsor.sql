-- Answers: which sponsors (lead or collaborator) appear on more than one trial, and on which?
-- One row per sponsor name with at least two trials; the roles it plays are listed.
select
    sponsor_name,
    count(distinct nct_id) as n_trials,
    string_agg(distinct sponsor_role, ', ' order by sponsor_role) as roles,
    string_agg(distinct nct_id, ', ' order by nct_id) as nct_ids
from marts.sponsors
where sponsor_name is not null
group by sponsor_name
having count(distinct nct_id) > 1
order by n_trials desc, sponsor_name;
