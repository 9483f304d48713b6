-- The local stand-in's DuckDB schema.
--
-- Part 1 mirrors the Unity Catalog system tables the monitor reads, with Databricks' column names, order and
-- types (see shared/reference/system-tables.md): IDs are strings, quantities and prices decimal(38,18),
-- timestamps are instants (TIMESTAMPTZ, session time zone UTC). DuckDB reserves the catalog name `system`, so the
-- tables live in schemas of the default catalog and the warehouse rewrites `system.<schema>.<table>` to
-- `<schema>.<table>` before running a statement.
--
-- Part 2 (schema `workspace_state`) is the stand-in's own record of what the Jobs API knows about the home
-- workspace: job settings, ACLs, runs with their live state, error messages and repair history. The generator
-- writes both parts from one truth, so the API and the tables agree. The warehouse refuses statements that touch it.

CREATE SCHEMA IF NOT EXISTS billing;
CREATE SCHEMA IF NOT EXISTS lakeflow;
CREATE SCHEMA IF NOT EXISTS compute;
CREATE SCHEMA IF NOT EXISTS access;
CREATE SCHEMA IF NOT EXISTS workspace_state;

CREATE TABLE IF NOT EXISTS billing.usage (
    account_id VARCHAR,
    workspace_id VARCHAR,
    record_id VARCHAR,
    sku_name VARCHAR,
    cloud VARCHAR,
    usage_start_time TIMESTAMPTZ,
    usage_end_time TIMESTAMPTZ,
    usage_date DATE,
    custom_tags MAP(VARCHAR, VARCHAR),
    usage_unit VARCHAR,
    usage_quantity DECIMAL(38, 18),
    usage_metadata STRUCT(
        cluster_id VARCHAR, job_id VARCHAR, warehouse_id VARCHAR, instance_pool_id VARCHAR, node_type VARCHAR,
        job_run_id VARCHAR, notebook_id VARCHAR, dlt_pipeline_id VARCHAR, endpoint_name VARCHAR, endpoint_id VARCHAR,
        dlt_update_id VARCHAR, dlt_maintenance_id VARCHAR, run_name VARCHAR, job_name VARCHAR, notebook_path VARCHAR,
        central_clean_room_id VARCHAR, source_region VARCHAR, destination_region VARCHAR, app_id VARCHAR,
        app_name VARCHAR, metastore_id VARCHAR, private_endpoint_name VARCHAR, storage_api_type VARCHAR,
        budget_policy_id VARCHAR, ai_runtime_pool_id VARCHAR, ai_runtime_workload_id VARCHAR,
        uc_table_catalog VARCHAR, uc_table_schema VARCHAR, uc_table_name VARCHAR, database_instance_id VARCHAR,
        sharing_materialization_id VARCHAR, usage_policy_id VARCHAR, agent_bricks_id VARCHAR,
        base_environment_id VARCHAR
    ),
    identity_metadata STRUCT(run_as VARCHAR, created_by VARCHAR, owned_by VARCHAR, run_by VARCHAR),
    record_type VARCHAR,
    ingestion_date DATE,
    billing_origin_product VARCHAR,
    product_features STRUCT(
        jobs_tier VARCHAR, sql_tier VARCHAR, dlt_tier VARCHAR, is_serverless BOOLEAN, is_photon BOOLEAN,
        serving_type VARCHAR, networking STRUCT(connectivity_type VARCHAR), performance_target VARCHAR
    ),
    usage_type VARCHAR
);

CREATE TABLE IF NOT EXISTS billing.list_prices (
    account_id VARCHAR,
    price_start_time TIMESTAMPTZ,
    price_end_time TIMESTAMPTZ,
    sku_name VARCHAR,
    cloud VARCHAR,
    currency_code VARCHAR,
    usage_unit VARCHAR,
    pricing STRUCT(
        "default" DECIMAL(38, 18),
        promotional STRUCT("default" DECIMAL(38, 18)),
        effective_list STRUCT("default" DECIMAL(38, 18))
    )
);

CREATE TABLE IF NOT EXISTS lakeflow.jobs (
    account_id VARCHAR,
    workspace_id VARCHAR,
    job_id VARCHAR,
    name VARCHAR,
    creator_id VARCHAR,
    tags MAP(VARCHAR, VARCHAR),
    run_as VARCHAR,
    change_time TIMESTAMPTZ,
    delete_time TIMESTAMPTZ,
    description VARCHAR,
    "trigger" STRUCT(
        file_arrival STRUCT(url VARCHAR, min_time_between_triggers_seconds INTEGER, wait_after_last_change_seconds INTEGER),
        periodic STRUCT("interval" INTEGER, units VARCHAR),
        continuous STRUCT(enabled BOOLEAN),
        table_update STRUCT(table_names VARCHAR[], min_time_between_triggers_seconds BIGINT,
                            wait_after_last_change_seconds BIGINT, condition VARCHAR),
        schedule STRUCT(quartz_cron_expression VARCHAR, timezone_id VARCHAR)
    ),
    trigger_type VARCHAR,
    run_as_user_name VARCHAR,
    creator_user_name VARCHAR,
    paused BOOLEAN,
    timeout_seconds BIGINT,
    health_rules STRUCT(metric VARCHAR, operator VARCHAR, value BIGINT)[],
    deployment STRUCT(kind VARCHAR, metadata_file_path VARCHAR),
    create_time TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS lakeflow.job_tasks (
    account_id VARCHAR,
    workspace_id VARCHAR,
    job_id VARCHAR,
    task_key VARCHAR,
    depends_on_keys VARCHAR[],
    change_time TIMESTAMPTZ,
    delete_time TIMESTAMPTZ,
    timeout_seconds BIGINT,
    health_rules STRUCT(metric VARCHAR, operator VARCHAR, value BIGINT)[]
);

CREATE TABLE IF NOT EXISTS lakeflow.job_run_timeline (
    account_id VARCHAR,
    workspace_id VARCHAR,
    job_id VARCHAR,
    run_id VARCHAR,
    period_start_time TIMESTAMPTZ,
    period_end_time TIMESTAMPTZ,
    trigger_type VARCHAR,
    result_state VARCHAR,
    run_type VARCHAR,
    run_name VARCHAR,
    compute_ids VARCHAR[],
    termination_code VARCHAR,
    job_parameters MAP(VARCHAR, VARCHAR),
    source_task_run_id VARCHAR,
    root_task_run_id VARCHAR,
    compute STRUCT(type VARCHAR, cluster_id VARCHAR, warehouse_id VARCHAR)[],
    termination_type VARCHAR,
    setup_duration_seconds BIGINT,
    queue_duration_seconds BIGINT,
    run_duration_seconds BIGINT,
    cleanup_duration_seconds BIGINT,
    execution_duration_seconds BIGINT
);

CREATE TABLE IF NOT EXISTS lakeflow.job_task_run_timeline (
    account_id VARCHAR,
    workspace_id VARCHAR,
    job_id VARCHAR,
    run_id VARCHAR,
    job_run_id VARCHAR,
    parent_run_id VARCHAR,
    period_start_time TIMESTAMPTZ,
    period_end_time TIMESTAMPTZ,
    task_key VARCHAR,
    compute_ids VARCHAR[],
    result_state VARCHAR,
    termination_code VARCHAR,
    compute STRUCT(type VARCHAR, cluster_id VARCHAR, warehouse_id VARCHAR)[],
    termination_type VARCHAR,
    task_parameters MAP(VARCHAR, VARCHAR),
    setup_duration_seconds BIGINT,
    cleanup_duration_seconds BIGINT,
    execution_duration_seconds BIGINT
);

CREATE TABLE IF NOT EXISTS compute.clusters (
    account_id VARCHAR,
    workspace_id VARCHAR,
    cluster_id VARCHAR,
    cluster_name VARCHAR,
    owned_by VARCHAR,
    create_time TIMESTAMPTZ,
    delete_time TIMESTAMPTZ,
    driver_node_type VARCHAR,
    worker_node_type VARCHAR,
    worker_count BIGINT,
    min_autoscale_workers BIGINT,
    max_autoscale_workers BIGINT,
    auto_termination_minutes BIGINT,
    enable_elastic_disk BOOLEAN,
    tags MAP(VARCHAR, VARCHAR),
    cluster_source VARCHAR,
    init_scripts VARCHAR[],
    aws_attributes STRUCT(first_on_demand BIGINT, availability VARCHAR, zone_id VARCHAR),
    azure_attributes STRUCT(first_on_demand BIGINT, availability VARCHAR),
    gcp_attributes STRUCT(use_preemptible_executors BOOLEAN, availability VARCHAR),
    driver_instance_pool_id VARCHAR,
    worker_instance_pool_id VARCHAR,
    dbr_version VARCHAR,
    change_time TIMESTAMPTZ,
    change_date DATE,
    data_security_mode VARCHAR,
    policy_id VARCHAR
);

CREATE TABLE IF NOT EXISTS access.workspaces_latest (
    account_id VARCHAR,
    workspace_id VARCHAR,
    workspace_name VARCHAR,
    workspace_url VARCHAR,
    create_time TIMESTAMPTZ,
    status VARCHAR
);

-- ---------------------------------------------------------------------------------------------------------------
-- Part 2: what the Jobs API of the home workspace knows. Times are epoch milliseconds, as the API returns them.

-- Key/value facts about the generated workspace: seed, scale, now_ms, home_workspace_id, account_id, lag_minutes.
CREATE TABLE IF NOT EXISTS workspace_state.meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- One row per job that currently exists in the home workspace (deleted jobs are absent, as in the API).
-- `settings` is the JobSettings JSON exactly as jobs/get returns it (name, tags, tasks, schedule, ...).
CREATE TABLE IF NOT EXISTS workspace_state.jobs (
    job_id BIGINT PRIMARY KEY,
    creator_user_name VARCHAR,
    run_as_user_name VARCHAR,
    created_time BIGINT,
    settings JSON
);

-- Who may view a job through the Jobs API besides admins (job ACL, CAN_VIEW or better).
CREATE TABLE IF NOT EXISTS workspace_state.job_acl (
    job_id BIGINT,
    user_name VARCHAR
);

-- Grants on a job beyond its creator and job_acl: a group's, a user's or a service principal's permission level
-- (CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE, or IS_OWNER when ownership passed from the creator to someone else).
-- principal_kind is 'user', 'group' or 'service_principal'; principal_name an e-mail, a group name or an
-- application id. A job's owner is its IS_OWNER row if it has one, else its creator.
CREATE TABLE IF NOT EXISTS workspace_state.job_grants (
    job_id BIGINT,
    principal_kind VARCHAR,
    principal_name VARCHAR,
    permission_level VARCHAR
);

-- One row per job run the API still holds (it keeps 60 days), including runs in progress that the system tables
-- do not show yet. `run` is the Run JSON exactly as runs/get returns it (state, status, tasks with their own
-- run ids, repair_history, job_parameters, durations, run_page_url, ...).
CREATE TABLE IF NOT EXISTS workspace_state.runs (
    run_id BIGINT PRIMARY KEY,
    job_id BIGINT,
    start_time BIGINT,
    end_time BIGINT,
    active BOOLEAN,
    run_type VARCHAR,
    run JSON
);

-- runs/get-output payloads, keyed by the run id that the API takes (a task run id for multi-task runs).
CREATE TABLE IF NOT EXISTS workspace_state.run_outputs (
    run_id BIGINT PRIMARY KEY,
    output JSON
);

-- Task runs a repair re-ran: runs/get lists the repair's task run in the job run's `tasks`, but the replaced one's
-- id (still in `repair_history[].task_run_ids`) keeps answering runs/get and runs/get-output. `task` is its element
-- of `tasks` as it was before the repair.
CREATE TABLE IF NOT EXISTS workspace_state.superseded_task_runs (
    run_id BIGINT PRIMARY KEY,
    job_run_id BIGINT,
    task JSON
);

-- Where the generator put each hard case (a case name such as 'aged_out_job', 'repaired_run', 'long_run',
-- 'price_change'), so that product tests can find them without hard-coding ids. Tests of the generator check the
-- cases against the tables themselves, never against this list alone.
CREATE TABLE IF NOT EXISTS workspace_state.cases (
    case_name VARCHAR,
    workspace_id VARCHAR,
    job_id VARCHAR,
    run_id VARCHAR,
    note VARCHAR
);

-- The generator's plan for every job: what it was made to do (profile: steady, flaky, failing_streak,
-- duration_regression, late_start, missed_schedule, long). Truth for tests of the insight rules (precision: no steady
-- job raises an alert), read from the tables' evidence, never instead of it.
CREATE TABLE IF NOT EXISTS workspace_state.job_plans (
    workspace_id VARCHAR,
    job_id VARCHAR,
    profile VARCHAR,
    job_trigger VARCHAR,
    compute VARCHAR,
    quartz_cron_expression VARCHAR,
    timezone_id VARCHAR,
    sla_minutes INTEGER,
    notes VARCHAR
);
