from film.cli import main

main()
