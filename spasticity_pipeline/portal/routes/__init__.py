"""The portal's routes by area: ``auth`` (signing in and out), ``uploads`` (pre-flight checks and
confirming), ``submissions`` (landed submissions and their feedback), ``network`` (the network
team's overview) and ``errors`` (the pages for 401/404/413)."""
