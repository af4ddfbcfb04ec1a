{#-
    raw.dq_results is written by the data-quality (Great Expectations) step, which runs after
    dbt. On a fresh work database it does not exist yet; create it empty (same columns as the
    data-quality writer uses) so that the dq_results models always build.
-#}
{% macro create_dq_results_table() %}
    create schema if not exists raw;
    create table if not exists raw.dq_results (
        run_id varchar,
        run_at timestamp,
        checkpoint varchar,
        suite varchar,
        expectation varchar,
        table_name varchar,
        column_name varchar,
        severity varchar,
        success boolean,
        observed_value varchar,
        unexpected_count bigint,
        unexpected_examples varchar,
        expectation_kwargs varchar
    );
{% endmacro %}
