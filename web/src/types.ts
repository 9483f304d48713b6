// The shapes of the answers to web/src/graphql/*.graphql, as those documents select them.

export interface Money {
  amount: string;
  currency?: string;
}
/** What a cost figure is worth: who it could be charged to and whether billing has caught up (docs/metrics.md). */
export interface CostStatus {
  attribution: string;
  notAttributableReason: string | null;
  billedThrough: string | null;
  complete: boolean;
}
export interface TimeWindow {
  start: string;
  end: string;
}
export type TimeWindowInput = { start: string; end: string } | { lastDays: number };
export interface Tag {
  key: string;
  value: string | null;
}
export interface JobRef {
  id: string;
  name: string | null;
}

export interface Viewer {
  userName: string;
  dataAccess: "OBO" | "SERVICE_PRINCIPAL";
}
export interface Freshness {
  latestRunPeriodEndTime: string | null;
  latestUsageEndTime: string | null;
  checkedAt: string;
}

export interface FailingRun {
  id: string;
  jobId: string;
  startTime: string;
  resultState: string | null;
  terminationCode: string | null;
  terminationType: string | null;
  job: JobRef | null;
  tasks: { taskKey: string; resultState: string | null; errorMessage: string | null }[];
  live: { stateMessage: string | null; terminationMessage: string | null; runPageUrl: string | null } | null;
}

export interface ActiveRun {
  id: string;
  runName: string | null;
  jobId: string;
  startTime: string | null;
  lifeCycleState: string | null;
  stateMessage: string | null;
  runPageUrl: string | null;
  job: JobRef | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface SpendSummary {
  window: TimeWindow;
  total: Money;
  attributedToJobs: Money;
  unattributedToJobs: Money;
  billedThrough: string | null;
  complete: boolean;
}

export interface JobRow {
  id: string;
  name: string | null;
  workspace: { id: string; name: string | null };
  lastRun: { id: string; resultState: string | null; inProgress: boolean; startTime: string } | null;
  runStats: { totalRuns: number; successRate: number | null; duration: { p95: number | null } };
  cost: CostStatus & { listCost: Money };
}

export interface SkuCost {
  skuName: string;
  usageUnit: string;
  quantity: string;
  listCost: Money;
}

export interface JobRun {
  id: string;
  runId: string;
  startTime: string;
  endTime: string | null;
  inProgress: boolean;
  durationSeconds: number | null;
  resultState: string | null;
  terminationCode: string | null;
  triggerType: string | null;
  repairCount: number;
  cost: CostStatus & { listCost: Money };
}

export interface TrendPoint {
  id: string;
  startTime: string;
  durationSeconds: number | null;
  resultState: string | null;
  inProgress: boolean;
}

export interface JobDetail {
  id: string;
  jobId: string;
  name: string | null;
  nameSource: string;
  description: string | null;
  creator: string | null;
  runAs: string | null;
  paused: boolean | null;
  triggerType: string | null;
  timeoutSeconds: number | null;
  createdTime: string | null;
  deletedTime: string | null;
  inJobsTable: boolean;
  workspace: { id: string; name: string | null };
  tags: Tag[];
  schedule: { quartzCronExpression: string | null; timezoneId: string | null } | null;
  tasks: { taskKey: string; dependsOn: string[] }[];
  runStats: {
    window: TimeWindow;
    totalRuns: number;
    succeeded: number;
    failed: number;
    inProgress: number;
    successRate: number | null;
    byResultState: { resultState: string | null; count: number }[];
    duration: { p50: number | null; p90: number | null; p95: number | null; max: number | null };
  };
  cost: CostStatus & {
    window: TimeWindow;
    dbus: string;
    unpricedQuantity: string;
    listCost: Money;
    bySku: SkuCost[];
    daily: { date: string; dbus: string; listCost: Money }[];
  };
  trend: { nodes: TrendPoint[] };
  runs: { totalCount: number; pageInfo: PageInfo; nodes: JobRun[] };
}

export interface TaskRun {
  id: string;
  taskKey: string;
  startTime: string;
  endTime: string | null;
  resultState: string | null;
  terminationCode: string | null;
  durationSeconds: number | null;
  dependsOn: string[];
  errorMessage: string | null;
  cost: (CostStatus & { listCost: Money }) | null;
}

/** One attempt of a run: the original execution (1) or a repair (2, 3, ...). */
export interface RunAttempt {
  number: number;
  startTime: string;
  endTime: string | null;
  inProgress: boolean;
  durationSeconds: number | null;
  resultState: string | null;
  terminationCode: string | null;
  tasks: { id: string }[];
  cost: (CostStatus & { listCost: Money }) | null;
}

export interface RunDetail {
  id: string;
  runId: string;
  runName: string | null;
  workspaceId: string;
  jobId: string;
  job: (JobRef & { runStats: { duration: { p50: number | null; p95: number | null } } }) | null;
  resultState: string | null;
  terminationCode: string | null;
  terminationType: string | null;
  triggerType: string | null;
  runType: string | null;
  startTime: string;
  endTime: string | null;
  inProgress: boolean;
  durationSeconds: number | null;
  wallTimeSeconds: number | null;
  queueDurationSeconds: number | null;
  setupDurationSeconds: number | null;
  executionDurationSeconds: number | null;
  cleanupDurationSeconds: number | null;
  repairCount: number;
  jobParameters: Tag[];
  computeIds: string[];
  tasks: TaskRun[];
  attempts: RunAttempt[];
  cost: CostStatus & {
    window: TimeWindow;
    dbus: string;
    unpricedQuantity: string;
    listCost: Money;
    bySku: SkuCost[];
  };
  live: {
    lifeCycleState: string | null;
    resultState: string | null;
    stateMessage: string | null;
    terminationCode: string | null;
    terminationMessage: string | null;
    runPageUrl: string | null;
    attemptNumber: number | null;
    repairHistory: {
      type: string;
      id: string | null;
      startTime: string | null;
      endTime: string | null;
      resultState: string | null;
    }[];
  } | null;
}

export type CostDimension = "JOB" | "SKU" | "WORKSPACE" | "TAG" | "RUN_AS" | "PRODUCT" | "DAY";

export interface CostGroup {
  key: string | null;
  label: string | null;
  unattributed: boolean;
  cost: CostStatus & { dbus: string; unpricedQuantity: string; listCost: Money };
}

export interface CostBreakdown {
  window: TimeWindow;
  groupBy: CostDimension;
  total: Money;
  attributedToJobs: Money;
  unattributedToJobs: Money;
  groups: CostGroup[];
  billedThrough: string | null;
  complete: boolean;
}
