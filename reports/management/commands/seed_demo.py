"""Load the demo: users, clients, suppliers, a dozen projects along the backorder story, and history.

The story projects are written through the services, so their activity logs, counters and
notifications are the real thing. `--invoices N` adds N issued invoices of history in bulk for the
reports and benchmarks; those rows are written directly, with the same arithmetic as the services.
"""

import random
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.demo.data import DEMO_USERS, OTHER_ORDER_REPS, STORIES
from reports.demo.history import History
from reports.demo.load import demo_company, demo_quietly, demo_story, demo_users

SIGN_INS_FILE = Path(settings.BASE_DIR) / ".demo-sign-ins"


class Command(BaseCommand):
    help = "Load demo users, clients, suppliers and projects; --invoices N adds N invoices of history in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user exists.")
        parser.add_argument("--password", help="The demo users' password (default: a random one).")
        parser.add_argument("--invoices", type=int, default=0, help="Add this many issued invoices of history.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed of the history, to repeat it.")
        parser.add_argument(
            "--sign-ins-file", default=str(SIGN_INS_FILE), help="Where to write the sign-ins ('' to skip)."
        )

    def handle(self, *args, **options):
        if options["invoices"] < 0:
            raise CommandError("--invoices must be 0 or more.")
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("demo data already loaded")
            return
        password = options["password"] or secrets.token_urlsafe(12)
        users = demo_users(password=password)
        self._write_sign_ins(password, options["sign_ins_file"])
        demo_company()
        with demo_quietly():
            if demo_story(users):
                self.stdout.write(f"Loaded {len(STORIES)} demo projects along the backorder story.")
            else:
                self.stdout.write("The demo projects are already there; leaving them as they are.")
        if options["invoices"]:
            history = History(
                users=users, rng=random.Random(options["seed"]), today=timezone.localdate(), stdout=self.stdout
            )
            started = timezone.now()
            history.add(options["invoices"])
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"Added {options['invoices']:,} invoices of history in {seconds:.1f} s.")

    def _write_sign_ins(self, password: str, path: str) -> None:
        lines = [f"Demo sign-ins (every user's password: {password})"]
        for username, _first, _last, role in DEMO_USERS:
            lines.append(f"  {username:<16} {role or 'superuser (also /admin/)'}")
        lines.append(f"  Other order reps: {', '.join(name for name, _f, _l in OTHER_ORDER_REPS)}")
        text = "\n".join(lines) + "\n"
        self.stdout.write(text, ending="")
        if path:
            Path(path).write_text(text)


# --- the story: a dozen projects, each waiting at one step ---------------------------------------


# --- the history: N issued invoices in bulk -----------------------------------------------------
