from mousesim.cli import entry

entry()
