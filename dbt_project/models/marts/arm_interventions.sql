with

links as (
    select * from {{ ref('int_arm_interventions_matched_by_name') }}
    where is_matched {{ only_changed_trials('nct_id') }}
),

arms as (
    select arm_id from {{ ref('arms') }}
),

interventions as (
    select intervention_id from {{ ref('interventions') }}
),

linked_ids as (
    select distinct
        {{ arm_id('nct_id', 'arm_ordinal') }} as arm_id,
        {{ intervention_id('nct_id', 'intervention_ordinal') }} as intervention_id
    from links
),

final as (
    select
        cast(linked_ids.arm_id as varchar) as arm_id,
        cast(linked_ids.intervention_id as varchar) as intervention_id
    from linked_ids
    -- both ends must exist in the marts (arms without a label are not published)
    inner join arms on linked_ids.arm_id = arms.arm_id
    inner join interventions on linked_ids.intervention_id = interventions.intervention_id
)

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
