{#-
    The inputs of every trial now (macros/incremental.sql): one fingerprint per nct_id over its
    loadable records, each named by (source_file, record_index) and the version of what it was
    read from. grain: one row per nct_id.
-#}
with

documents as (
    select source_file, content_sha256, parse_status, loaded_at from {{ ref('stg_raw__documents') }}
),

members as (
    select source_file, first_record_index, member_name, member_crc32, member_bytes, loaded_at
    from {{ ref('stg_raw__document_members') }}
    where n_trials > 0
),

records as (
    select
        trials.nct_id,
        trials.source_file,
        trials.record_index,
        documents.content_sha256 || chr(31) || cast(documents.loaded_at as varchar) as document_version
    from {{ ref('stg_raw__trials') }} as trials
    inner join documents on trials.source_file = documents.source_file
    where documents.parse_status is distinct from 'REJECTED'
        and trials.nct_id is not null
),

-- a bulk file's record belongs to the member whose range starts at or before it
versioned as (
    select
        records.nct_id,
        records.source_file,
        records.record_index,
        coalesce(
            members.member_name || chr(31) || cast(members.member_crc32 as varchar)
                || chr(31) || cast(members.member_bytes as varchar)
                || chr(31) || cast(members.loaded_at as varchar),
            records.document_version,
            ''
        ) as version
    from records
    asof left join members
        on records.source_file = members.source_file
        and records.record_index >= members.first_record_index
)

select
    nct_id,
    md5(string_agg(
        source_file || chr(31) || cast(record_index as varchar) || chr(31) || version,
        chr(30) order by source_file, record_index
    )) as input_fingerprint
from versioned
group by nct_id
