-- Answers: which trials point to each other as related, and which related trials are in the warehouse?
-- One row per unordered pair (first_nct_id < second_nct_id). is_mutual: both pages list the other;
-- both_in_warehouse: both trials are rows of marts.trials (else the title is the one the page gives).
with directed as (
    select distinct nct_id, related_nct_id
    from marts.related_trials
    where related_nct_id is not null and related_nct_id <> nct_id
),

pairs as (
    select
        least(nct_id, related_nct_id) as first_nct_id,
        greatest(nct_id, related_nct_id) as second_nct_id,
        count(*) as n_directions
    from directed
    group by all
),

titles_named_on_pages as (
    select related_nct_id as nct_id, min(related_title) as related_title
    from marts.related_trials
    group by all
)

select
    pairs.first_nct_id,
    coalesce(first_trial.brief_title, first_named.related_title) as first_title,
    pairs.second_nct_id,
    coalesce(second_trial.brief_title, second_named.related_title) as second_title,
    pairs.n_directions = 2 as is_mutual,
    first_trial.nct_id is not null and second_trial.nct_id is not null as both_in_warehouse
from pairs
left join marts.trials as first_trial on first_trial.nct_id = pairs.first_nct_id
left join marts.trials as second_trial on second_trial.nct_id = pairs.second_nct_id
left join titles_named_on_pages as first_named on first_named.nct_id = pairs.first_nct_id
left join titles_named_on_pages as second_named on second_named.nct_id = pairs.second_nct_id
order by is_mutual desc, both_in_warehouse desc, pairs.first_nct_id, pairs.second_nct_id;
