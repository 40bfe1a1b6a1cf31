"""The projects list and the project overview: pinned notes first, then orders, invoices, backorders, activity."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.recent import recent_record
from core.roles import Role, has_role
from projects.forms import NoteForm, ProjectFilterForm
from projects.models import Project, SalesOrder
from projects.pages import project_overview
from projects.selectors import project_activity, project_notes, projects_with_figures, sales_order_list
from projects.selectors import project_list as select_projects

PAGE_SIZE = 50


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectFilterForm.for_user(request.GET, request.user)
    projects = projects_with_figures()
    if form.is_valid():
        data = form.cleaned_data
        if data["whose"] == ProjectFilterForm.MINE:
            projects = projects.filter(order_rep=request.user)
        if data["q"]:
            projects = projects.filter(
                Q(number__icontains=data["q"]) | Q(name__icontains=data["q"]) | Q(client__name__icontains=data["q"])
            )
        if data["rep"]:
            rep = data["rep"]
            projects = projects.filter(Q(order_rep=rep) | Q(production_rep=rep) | Q(invoicing_rep=rep))
        if data["client"]:
            projects = projects.filter(client=data["client"])
    page = Paginator(projects.order_by("-number"), PAGE_SIZE).get_page(request.GET.get("page"))
    projects = list(page.object_list)
    for project in projects:
        project.stage_label = SalesOrder.Status(project.stage).label if project.stage else ""
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "projects": projects,
        "query": query.urlencode(),
        "can_sell": has_role(request.user, Role.SALES),
        "nav_section": "projects",
    }
    return render(request, "projects/project_list.html", context)


def project_or_404(pk: int) -> Project:
    try:
        return select_projects().get(pk=pk)
    except Project.DoesNotExist as error:
        raise Http404("No such project.") from error


def notes_context(project: Project) -> dict:
    """The pinned notes and the other notes of a project, as the overview and its htmx fragments show them."""
    notes = list(project_notes(project=project))
    return {
        "pinned_notes": [note for note in notes if note.pinned],
        "other_notes": [note for note in notes if not note.pinned],
    }


def project_page(request: HttpRequest, project: Project, *, note_form: NoteForm | None = None, http_status=200):
    """Render the overview, with the note form the user just submitted if it was refused."""
    sales_orders = list(sales_order_list(filters={"project": project}))
    for order in sales_orders:
        order.billing_status_label = SalesOrder.BillingStatus(order.billing_status).label
    context = {
        "project": project,
        **notes_context(project),
        "note_form": note_form or NoteForm(),
        "sales_orders": sales_orders,
        # The purchase orders, invoices and open backorders, from the apps that own them.
        **project_overview.context(request, project),
        "activities": project_activity(project=project),
        "can_sell": has_role(request.user, Role.SALES),
        "nav_section": "projects",
    }
    return render(request, "projects/project_detail.html", context, status=http_status)


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(pk)
    recent_record(
        user=request.user,
        subject=project,
        number=project.number,
        name=f"{project.name} · {project.client.name}",
        url=project.get_absolute_url(),
    )
    return project_page(request, project)
