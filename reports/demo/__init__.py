"""The demo desk that `manage.py seed_demo` writes (make run, the benchmarks, CI's books check)."""
