-- Answers: what age ranges do trials of each phase admit?
-- One row per phase ('(not stated)' when the source gives none): trials, how many state an
-- age limit, and the lowest/median/highest minimum and maximum age in years.
select
    coalesce(phase, '(not stated)') as phase,
    count(*) as n_trials,
    count(minimum_age_years) as n_with_minimum_age,
    count(maximum_age_years) as n_with_maximum_age,
    min(minimum_age_years) as lowest_minimum_age_years,
    median(minimum_age_years) as median_minimum_age_years,
    median(maximum_age_years) as median_maximum_age_years,
    max(maximum_age_years) as highest_maximum_age_years
from marts.trials
group by all
order by phase;
