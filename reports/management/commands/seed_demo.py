"""Load the demo: users, clients, suppliers, a dozen projects along the backorder story, and history.

The story projects are written through the services, so their activity logs, counters and
notifications are the real thing. `--invoices N` adds N issued invoices of history in bulk for the
reports and benchmarks; those rows are written directly, with the same arithmetic as the services.
"""

import contextlib
import logging
import random
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from core.roles import Role
from projects.models import CompanySettings, Project
from reports.demo.data import DEMO_COMPANY, DEMO_USERS, OTHER_ORDER_REPS, STORIES
from reports.demo.history import History
from reports.demo.story import DemoStory

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
        users = self._users(password)
        self._write_sign_ins(password, options["sign_ins_file"])
        self._company()

        # The console mail backend would print every demo notification and invoice email here, and
        # eager Celery a line per task (and kombu a warning that no broker host was given).
        quiet_mail = settings.EMAIL_BACKEND.endswith("console.EmailBackend")
        mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        noisy = [logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")]
        levels = [log.level for log in noisy]
        for log in noisy:
            log.setLevel(logging.ERROR)
        try:
            with mail if quiet_mail else contextlib.nullcontext():
                self._load_story(users)
        finally:
            for log, level in zip(noisy, levels, strict=True):
                log.setLevel(level)
        if options["invoices"]:
            history = History(
                users=users, rng=random.Random(options["seed"]), today=timezone.localdate(), stdout=self.stdout
            )
            started = timezone.now()
            history.add(options["invoices"])
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"Added {options['invoices']:,} invoices of history in {seconds:.1f} s.")

    def _company(self) -> None:
        company = CompanySettings.load()
        blank = [name for name, value in DEMO_COMPANY.items() if not getattr(company, name).strip()]
        for name in blank:
            setattr(company, name, DEMO_COMPANY[name])
        if blank:
            company.save(update_fields=blank)

    def _load_story(self, users: dict[str, User]) -> None:
        if Project.objects.filter(name__in=[story.name for story in STORIES]).exists():
            self.stdout.write("The demo projects are already there; leaving them as they are.")
            return
        DemoStory(users=users, today=timezone.localdate()).load()
        self.stdout.write(f"Loaded {len(STORIES)} demo projects along the backorder story.")

    def _users(self, password: str) -> dict[str, User]:
        users: dict[str, User] = {}
        # The role groups come with the migrations; a database emptied since (a flush) gets them back bare.
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.ALL}
        rows = [*DEMO_USERS, *((name, first, last, Role.SALES) for name, first, last in OTHER_ORDER_REPS)]
        for username, first_name, last_name, role in rows:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first_name, last_name
            user.email = f"{username}@desk.example.com"
            user.is_active = True
            user.is_staff = user.is_superuser = role is None
            user.set_password(password)
            user.save()
            if role is not None:
                user.groups.set([groups[role]])
            users[username] = user
        return users

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
