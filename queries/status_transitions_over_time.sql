-- Answers: when did each trial move from one overall status to another (e.g. start recruiting, get terminated)?
-- One row per status change seen across runs (marts.trial_changes, field overall_status), newest first:
-- the trial, the status before and after, when it changed (the official record's last-update date, else the
-- run's time: see changed_at_source) and the run that saw it. Filter to one transition with
-- SET VARIABLE to_status = 'TERMINATED' (default: every transition).
select
    changes.nct_id,
    trials.brief_title,
    changes.old_value as from_status,
    changes.new_value as to_status,
    changes.changed_at,
    changes.changed_at_source,
    changes.detected_at,
    changes.run_id
from marts.trial_changes as changes
left join marts.trials as trials using (nct_id)
where changes.field_name = 'overall_status'
  and (getvariable('to_status') is null or changes.new_value = getvariable('to_status'))
order by changes.changed_at desc, changes.nct_id;
