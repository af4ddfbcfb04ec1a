-- Answers: which inclusion/exclusion criteria mention a term (case-insensitive substring)?
-- One row per matching criterion, with its trial and title.
-- Parameter: term (default 'pregnan', matching pregnant/pregnancy), e.g. SET VARIABLE term = 'hepatitis';
select
    criteria.nct_id,
    trials.brief_title,
    criteria.criterion_type,
    criteria.criterion_ordinal,
    criteria.criterion_text
from marts.eligibility_criteria as criteria
inner join marts.trials as trials using (nct_id)
where criteria.criterion_text ilike '%' || coalesce(getvariable('term'), 'pregnan') || '%'
order by criteria.nct_id, criteria.criterion_type desc, criteria.criterion_ordinal;
