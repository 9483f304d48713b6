-- The account's workspaces with their names and URLs (small; read whole).
SELECT workspace_id, workspace_name, workspace_url, status
FROM system.access.workspaces_latest
ORDER BY workspace_id
