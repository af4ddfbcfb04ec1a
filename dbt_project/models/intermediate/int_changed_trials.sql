{#-
    The trials whose inputs changed since the marts were last built (see macros/incremental.sql):
    every nct_id whose fingerprint differs from, or is missing on one side of, the one stored in
    staging.built_trial_inputs by the last complete build. Without that table: every trial.
-#}
{%- set built = built_trial_inputs_relation() -%}

with

current_inputs as (
    select nct_id, input_fingerprint from {{ ref('int_trial_inputs') }}
),

{% if built is not none %}
previous_inputs as (
    select nct_id, input_fingerprint from {{ built }}
),

changed as (
    select coalesce(current_inputs.nct_id, previous_inputs.nct_id) as nct_id
    from current_inputs
    full outer join previous_inputs
        on current_inputs.nct_id = previous_inputs.nct_id
    where current_inputs.input_fingerprint is distinct from previous_inputs.input_fingerprint
)
{% else %}
changed as (
    select nct_id from current_inputs
)
{% endif %}

select cast(nct_id as varchar) as nct_id from changed
