-- Answers: how did data-quality checks go, run by run?
-- One row per validation run, checkpoint (staging, marts) and severity (CRITICAL, WARNING): expectations evaluated, failed, and the
-- unexpected values counted, newest run first.
select
    run_id,
    max(run_at) as run_at,
    checkpoint,
    upper(severity) as severity,
    count(*) as n_expectations,
    count(*) filter (where not success) as n_failed,
    coalesce(sum(unexpected_count), 0)::bigint as n_unexpected_values,
    string_agg(expectation || ' on ' || coalesce(table_name || '.' || column_name, table_name), '; ')
        filter (where not success) as failed_expectations
from marts.dq_results
group by run_id, checkpoint, upper(severity)
order by run_at desc, run_id, checkpoint, severity;
