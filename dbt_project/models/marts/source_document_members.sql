{#-
    Every member of a bulk file (a zip of ClinicalTrials.gov records, or a large JSON array whose
    records count as members), whatever happened to it: a child table of marts.source_documents.
    A trial's member: join marts.trials on source_file and nct_id (or, record by record, on
    source_file and record_index between first_record_index and first_record_index + n_trials - 1).
-#}

with

members as (
    select * from {{ ref('stg_raw__document_members') }}
),

documents as (
    select source_file, document_id from {{ ref('source_documents') }}
),

selected_records as (
    select source_file, record_index, nct_id from {{ ref('int_trial_records_ranked') }}
    where is_selected_record
),

-- each selected record's member: the last one whose record range starts at or before it (an
-- ASOF join: a range join of a 200,000-member zip against its records would not scale)
members_with_trials as (
    select source_file, member_ordinal, first_record_index, n_trials from members
    where n_trials > 0
),

selected_members as (
    select distinct members_with_trials.source_file, members_with_trials.member_ordinal
    from selected_records
    asof inner join members_with_trials
        on selected_records.source_file = members_with_trials.source_file
        and selected_records.record_index >= members_with_trials.first_record_index
    where selected_records.record_index < members_with_trials.first_record_index + members_with_trials.n_trials
),

final as (
    select
        cast(documents.document_id as varchar) as document_id,
        cast(members.source_file as varchar) as source_file,
        cast(members.member_name as varchar) as member_name,
        cast(members.member_ordinal as bigint) as member_ordinal,
        -- a member holding several trials describes no single one
        cast(case when members.n_trials = 1 then members.first_nct_id end as varchar) as nct_id,
        cast(members.parse_status as varchar) as parse_status,
        cast(members.message as varchar) as message,
        cast(members.member_bytes as bigint) as bytes,
        cast(members.member_crc32 as bigint) as crc32,
        cast(members.member_sha256 as varchar) as content_sha256,
        cast(members.n_trials as integer) as n_trials,
        cast(members.first_record_index as integer) as first_record_index,
        cast(selected_members.member_ordinal is not null as boolean) as is_selected_source,
        cast(members.loaded_at as timestamp) as loaded_at
    from members
    left join documents
        on members.source_file = documents.source_file
    left join selected_members
        on members.source_file = selected_members.source_file
        and members.member_ordinal = selected_members.member_ordinal
)

select * from final
