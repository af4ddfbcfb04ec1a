with

source as (
    select * from {{ source('raw', 'trials') }}
),

renamed as (
    select
        cast(source_file as varchar) as source_file,
        cast(record_index as integer) as record_index,
        {{ clean_text('source_family') }} as source_family,
        {{ clean_text('nct_id') }} as nct_id,
        {{ clean_text('brief_title') }} as brief_title,
        {{ clean_text('official_title') }} as official_title,
        {{ clean_text('acronym') }} as acronym,
        {{ clean_text('overall_status') }} as overall_status,
        {{ clean_text('overall_status_raw') }} as overall_status_raw,
        {{ clean_text('phase') }} as phase,
        {{ clean_text('study_type') }} as study_type,
        cast(enrollment as integer) as enrollment,
        {{ clean_text('enrollment_type') }} as enrollment_type,
        cast(start_date as date) as start_date,
        {{ clean_text('start_date_precision') }} as start_date_precision,
        cast(primary_completion_date as date) as primary_completion_date,
        {{ clean_text('primary_completion_date_precision') }} as primary_completion_date_precision,
        cast(completion_date as date) as completion_date,
        {{ clean_text('completion_date_precision') }} as completion_date_precision,
        cast(last_update_date as date) as last_update_date,
        {{ clean_text('allocation') }} as allocation,
        {{ clean_text('intervention_model') }} as intervention_model,
        {{ clean_text('primary_purpose') }} as primary_purpose,
        {{ clean_text('masking') }} as masking,
        {{ clean_text('observational_model') }} as observational_model,
        {{ clean_text('time_perspective') }} as time_perspective,
        {{ clean_text('sex') }} as sex,
        cast(minimum_age_years as double) as minimum_age_years,
        cast(maximum_age_years as double) as maximum_age_years,
        {{ clean_text('minimum_age_raw') }} as minimum_age_raw,
        {{ clean_text('maximum_age_raw') }} as maximum_age_raw,
        cast(healthy_volunteers as boolean) as healthy_volunteers,
        {{ clean_text('brief_summary') }} as brief_summary,
        {{ clean_text('detailed_description') }} as detailed_description,
        cast(has_results as boolean) as has_results
    from source
)

select * from renamed
