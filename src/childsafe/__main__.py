from childsafe.cli.app import main

main()
