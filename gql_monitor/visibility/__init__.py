"""Which jobs a caller may see (GQL_MONITOR_JOB_VISIBILITY): the scope every statement and live answer is cut to.

`scope.py` is the scope itself; `policy.py` decides a caller's scope from their groups and the jobs' permission
lists, which `sources/job_permissions.py` reads from the workspace."""
