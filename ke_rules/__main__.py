"""``python -m ke_rules``: the ``ke-rules`` command, for a machine where the script is not on PATH."""

from ke_rules.cli import run

if __name__ == "__main__":
    run()
