{#-
    THE DUPLICATE RULE. Several documents (or several records of one document) may describe
    the same nct_id. Per nct_id the records are ranked:
      1. latest last_update_date first (a record without one comes after every dated record);
      2. then the most complete record: number of non-null scalar trial fields
         + number of non-empty child groups (arms, interventions, outcomes, ...);
      3. then a stable tie-break: source_file ascending, record_index ascending.
    Rank 1 is the selected record: the marts show its fields and only its child rows.
    Records of REJECTED documents never compete (they are not loaded into the trial marts).
-#}
{%- set scalar_fields = trial_scalar_fields() -%}
{%- set child_groups = trial_child_groups() -%}
{#-
    Two plans, one result. A full build ranks every record on its keys and ordering columns
    only and joins the other columns back: a window carrying every column of 550,000 records
    ran out of memory at 448 MB. An incremental build ranks the few changed trials' records
    with all their columns in one pass (0.1 of the time the join back takes there).
-#}
{%- set narrow = not builds_incrementally() -%}
{%- set inline = 'not materialized ' if narrow else '' -%}
{%- set ranking -%}
        row_number() over (
            partition by nct_id
            order by
                last_update_date desc nulls last,
                completeness_score desc,
                source_file asc,
                record_index asc
        ) as record_rank,
        count(*) over (partition by nct_id) as n_records_for_trial,
        count(distinct source_file) over (partition by nct_id) as n_source_documents
{%- endset %}

with

-- full build: NOT MATERIALIZED, as the trial records are read twice, by the ranking (a few
-- narrow columns) and by the final join (every column); DuckDB would otherwise hold every
-- column of every record in memory at once
trials as {{ inline }}(
    select * from {{ ref('stg_raw__trials') }}
    {{ only_records_of_changed_trials() }}
),

documents as (
    select source_file, parse_status from {{ ref('stg_raw__documents') }}
),

-- one narrow row per record (counts and the lead sponsor)
children as {{ 'materialized ' if narrow }}(
    select * from {{ ref('int_trial_record_children_summarised') }}
    {{ only_records_of_changed_trials() }}
),

loadable_records as {{ inline }}(
    select trials.*
    from trials
    inner join documents
        on trials.source_file = documents.source_file
    where documents.parse_status is distinct from 'REJECTED'
        and trials.nct_id is not null
        {{ only_changed_trials('trials.nct_id') }}
),

scored_records as {{ inline }}(
    select
        loadable_records.*,
        {% for group in child_groups %}
        children.n_{{ group }},
        {% endfor %}
        children.n_primary_outcomes,
        children.n_secondary_outcomes,
        children.n_other_outcomes,
        children.n_inclusion_criteria,
        children.n_exclusion_criteria,
        children.lead_sponsor,
        (
            {% for field in scalar_fields %}
            cast(loadable_records.{{ field }} is not null as integer) +
            {% endfor %}
            {% for group in child_groups %}
            cast(children.n_{{ group }} > 0 as integer){{ ' +' if not loop.last }}
            {% endfor %}
        ) as completeness_score
    from loadable_records
    inner join children
        on loadable_records.source_file = children.source_file
        and loadable_records.record_index = children.record_index
),

{% if narrow -%}
-- the ranking sees only the keys and the ordering columns; the other columns join back to it
record_ranks as (
    select
        source_file,
        record_index,
        {{ ranking }}
    from scored_records
),

final as (
    select
        scored_records.*,
        record_ranks.record_rank,
        record_ranks.n_records_for_trial,
        record_ranks.n_source_documents,
        record_ranks.record_rank = 1 as is_selected_record
    from scored_records
    inner join record_ranks
        on scored_records.source_file = record_ranks.source_file
        and scored_records.record_index = record_ranks.record_index
)
{%- else -%}
ranked_records as (
    select
        *,
        {{ ranking }}
    from scored_records
),

final as (
    select
        *,
        record_rank = 1 as is_selected_record
    from ranked_records
)
{%- endif %}

select * from final

-- depends_on: {{ ref('int_changed_trials') }}
