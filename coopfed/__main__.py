from coopfed.cli import main

main()
