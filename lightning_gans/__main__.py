from lightning_gans.commands import main

main()
