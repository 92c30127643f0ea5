"""Pages for uploading registration files: the list and upload form, the preview, progress and result."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from ectprogramme import queueing
from participants import access, tasks, uploads
from participants.forms import ImportUploadForm
from participants.models import ImportUpload

PAGE_SIZE = 25
PREVIEW_PAGE_SIZE = 50


@login_required
def import_uploads(request):
    access.require_hub_staff(request.viewer)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if form.is_bound and form.is_valid():
        file = form.cleaned_data["file"]
        upload = uploads.create(request.hub, request.user, file.name, file.read())
        if uploads.runs_in_worker(upload):
            queueing.on_commit(tasks.check_import_upload, upload.pk)
        else:
            uploads.run_check(upload.pk)
        return redirect("import_upload", upload.code)
    listed = ImportUpload.objects.defer("content", "plan").order_by("-uploaded_at", "-id")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    names = uploads.uploader_names(page.object_list)
    rows = [(upload, names.get(upload.uploaded_by_id, "")) for upload in page.object_list]
    return render(request, "participants/import_uploads.html", {"form": form, "page": page, "rows": rows})


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def import_upload(request, upload_code):
    upload = access.get_import_upload(request.viewer, upload_code)
    sections = []
    if upload.plan and not upload.in_progress:
        for key, heading, columns, rows in uploads.sections(upload.plan):
            page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get(f"{key}-page")) if rows else None
            sections.append(
                {"key": key, "heading": heading, "columns": columns, "count": len(rows), "page": page, **_page_links(request, key, page)}
            )
    names = uploads.uploader_names([upload])
    context = {
        "upload": upload,
        "sections": sections,
        "uploaded_by": names.get(upload.uploaded_by_id, ""),
        "confirmed_by": names.get(upload.confirmed_by_id, ""),
        "format_label": uploads.FORMAT_LABELS.get(upload.format, ""),
        "can_confirm": upload.status == "checked" and upload.plan and not upload.plan["errors"],
    }
    if request.htmx:
        return render(request, "participants/import_upload.html#body", context)
    return render(request, "participants/import_upload.html", context)


@login_required
@require_POST
def import_upload_confirm(request, upload_code):
    upload = access.get_import_upload(request.viewer, upload_code)
    if not uploads.confirm(upload, request.user):
        messages.error(request, "This file cannot be imported as it stands: see its status below.")
        return redirect("import_upload", upload.code)
    if uploads.runs_in_worker(upload):
        queueing.on_commit(tasks.run_import_upload, upload.pk)
    else:
        uploads.run_import(upload.pk)
    return redirect("import_upload", upload.code)


@login_required
@require_POST
def import_upload_discard(request, upload_code):
    upload = access.get_import_upload(request.viewer, upload_code)
    if uploads.discard(upload):
        messages.success(request, f"{upload.file_name} was discarded; nothing was imported.")
    else:
        messages.error(request, "This file is being or has been imported: it cannot be discarded.")
    return redirect("import_upload", upload.code)


@login_required
def import_upload_file(request, upload_code):
    upload = access.get_import_upload(request.viewer, upload_code)
    response = HttpResponse(bytes(upload.content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_safe_name(upload.file_name)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _page_links(request, key, page):
    """Links to a preview section's previous and next pages (each section pages on its own)."""
    links = {}
    for name, has, number in (("previous", "has_previous", "previous_page_number"), ("next", "has_next", "next_page_number")):
        if page is not None and getattr(page, has)():
            query = request.GET.copy()
            query[f"{key}-page"] = getattr(page, number)()
            links[f"{name}_url"] = f"?{query.urlencode()}#{key}"
    return links


def _safe_name(name):
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in name) or "upload.csv"
