-- Answers: what are the arms of one trial, and which interventions does each arm receive?
-- One row per (arm, intervention); an arm with no linked intervention appears once with NULLs.
-- Parameter: nct_id (default 'NCT04127747'), e.g. SET VARIABLE nct_id = 'NCT06663943';
select
    arms.nct_id,
    arms.arm_ordinal,
    arms.label as arm_label,
    arms.arm_type,
    interventions.intervention_type,
    interventions.name as intervention_name,
    arms.description as arm_description
from marts.arms
left join marts.arm_interventions using (arm_id)
left join marts.interventions using (intervention_id)
where arms.nct_id = coalesce(getvariable('nct_id'), 'NCT04127747')
order by arms.arm_ordinal, interventions.intervention_ordinal;
