"""Writing notes on a project, @mention suggestions, and pinning notes in place with htmx."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, TransitionNotAllowed
from core.views import add_domain_error
from projects.forms import NoteForm
from projects.models import Note
from projects.services.notes import note_create, note_pin
from projects.views.projects import notes_context, project_or_404, project_page

SUGGESTION_LIMIT = 8


@login_required
@require_POST
def note_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note = note_create(
                project=project, body=form.cleaned_data["body"], pinned=form.cleaned_data["pinned"], by=request.user
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Your note is pinned to the top." if note.pinned else "Your note is saved.")
            return redirect(reverse("project-detail", args=[project.pk]) + f"#note-{note.pk}")
    return project_page(request, project, note_form=form, http_status=400)


@login_required
@require_GET
def mention_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Active colleagues whose user name or name starts with what follows the @ being typed."""
    project_or_404(pk)
    # PostgreSQL text holds no NUL: a name never has one, so it is dropped rather than sent to the query.
    typed = request.GET.get("q", "").replace("\x00", "").strip().lstrip("@")[:50]
    people = User.objects.filter(is_active=True).exclude(pk=request.user.pk)
    if typed:
        people = people.filter(
            Q(username__istartswith=typed) | Q(first_name__istartswith=typed) | Q(last_name__istartswith=typed)
        )
    people = list(people.order_by("username")[:SUGGESTION_LIMIT])
    if request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {"results": [{"username": user.username, "name": user.get_full_name() or user.username} for user in people]}
        )
    return render(request, "projects/_mention_suggestions.html", {"people": people, "typed": typed})


@login_required
@require_POST
def note_pin_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Pin or unpin a note; htmx gets the notes fragments back, a plain form post goes back to the page."""
    try:
        note = Note.objects.select_related("project").get(pk=pk)
    except Note.DoesNotExist as error:
        raise Http404("No such note.") from error
    pinned = request.POST.get("pinned") == "1"
    error_message = ""
    try:
        note_pin(note=note, pinned=pinned, by=request.user)
    except (TransitionNotAllowed, DomainError) as error:
        # Someone else pinned or unpinned it a moment ago; the fresh fragment shows how it is now.
        error_message = str(error)
    if request.headers.get("HX-Request"):
        context = {"project": note.project, **notes_context(note.project), "pin_error": error_message}
        return render(request, "projects/_notes_fragments.html", context)
    if error_message:
        messages.error(request, error_message)
    else:
        messages.success(request, "Note pinned to the top." if pinned else "Note unpinned.")
    return redirect(reverse("project-detail", args=[note.project_id]) + f"#note-{note.pk}")
