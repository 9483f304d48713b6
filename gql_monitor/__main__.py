from gql_monitor.cli import main

raise SystemExit(main())
