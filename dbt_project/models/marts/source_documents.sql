{#-
    Every raw document, whatever happened to it.
    document_id is the sha256 of the file's bytes. Byte-identical copies would share it, so the
    first copy by source_file keeps the bare hash and later copies get '<hash>-2', '<hash>-3', ...
    which keeps the key unique and stable while the set of copies does not change.
-#}

with

documents as (
    select * from {{ ref('stg_raw__documents') }}
),

selected_records as (
    select distinct source_file
    from {{ ref('int_trial_records_ranked') }}
    where is_selected_record
),

numbered_copies as (
    select
        *,
        row_number() over (partition by content_sha256 order by source_file) as copy_number
    from documents
),

final as (
    select
        cast(
            case
                when content_sha256 is null then null
                when copy_number = 1 then content_sha256
                else content_sha256 || '-' || cast(copy_number as varchar)
            end as varchar
        ) as document_id,
        cast(numbered_copies.source_file as varchar) as source_file,
        cast(source_family as varchar) as source_family,
        -- a document holding several trials describes no single one
        cast(case when n_trials = 1 then first_nct_id end as varchar) as nct_id,
        cast(parse_status as varchar) as parse_status,
        cast(message as varchar) as message,
        cast(bytes as bigint) as bytes,
        cast(loaded_at as timestamp) as loaded_at,
        cast(content_sha256 as varchar) as content_sha256,
        cast(n_trials as integer) as n_trials,
        cast(selected_records.source_file is not null as boolean) as is_selected_source
    from numbered_copies
    left join selected_records
        on numbered_copies.source_file = selected_records.source_file
)

select * from final
