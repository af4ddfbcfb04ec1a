{#-
    The inputs the incremental marts were built from (macros/incremental.sql): rebuilt after
    every one of them, so it only moves on when the whole build got this far.
-#}

select cast(nct_id as varchar) as nct_id, cast(input_fingerprint as varchar) as input_fingerprint
from {{ ref('int_trial_inputs') }}

-- depends_on: {{ ref('int_trial_records_ranked') }}
-- depends_on: {{ ref('int_arm_interventions_matched_by_name') }}
-- depends_on: {{ ref('arms') }}
-- depends_on: {{ ref('interventions') }}
-- depends_on: {{ ref('arm_interventions') }}
-- depends_on: {{ ref('conditions') }}
-- depends_on: {{ ref('contacts') }}
-- depends_on: {{ ref('eligibility_criteria') }}
-- depends_on: {{ ref('identifiers') }}
-- depends_on: {{ ref('locations') }}
-- depends_on: {{ ref('outcomes') }}
-- depends_on: {{ ref('related_trials') }}
-- depends_on: {{ ref('sponsors') }}
-- depends_on: {{ ref('trials') }}
-- depends_on: {{ ref('trial_source_conflicts') }}
