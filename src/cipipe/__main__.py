from cipipe.cli import main

raise SystemExit(main())
