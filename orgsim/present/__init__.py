"""Layer 4, presentation: figures (:mod:`orgsim.present.plot`) and the command line
(:mod:`orgsim.present.cli`). Nothing below imports from here."""
