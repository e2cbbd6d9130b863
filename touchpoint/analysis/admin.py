from django.contrib import admin

from touchpoint.analysis.models import CommentAnalysis, RetagJob, Theme, ThemeRoute


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("key", "account", "is_active", "updated_at")
    list_filter = ("account", "is_active")
    search_fields = ("key",)
    readonly_fields = ("created_at", "updated_at")

    def has_change_permission(self, request, obj=None):
        # Edits go through the themes page, which bumps the taxonomy version and re-tags.
        return False

    def has_add_permission(self, request):
        return False


@admin.register(RetagJob)
class RetagJobAdmin(admin.ModelAdmin):
    """Re-tagging of history after a change of themes, with its progress."""

    list_display = ("account", "version", "state", "progress", "created_at", "finished_at")
    list_filter = ("state", "account")
    readonly_fields = [f.name for f in RetagJob._meta.fields]

    @admin.display(description="progress")
    def progress(self, job: RetagJob) -> str:
        return f"{job.percent} % ({job.done} of {job.total})"

    def has_add_permission(self, request):
        return False


@admin.register(CommentAnalysis)
class CommentAnalysisAdmin(admin.ModelAdmin):
    list_display = ("response", "state", "language", "sentiment", "score", "taxonomy_version")
    list_filter = ("state", "language", "sentiment")
    readonly_fields = [f.name for f in CommentAnalysis._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ThemeRoute)
class ThemeRouteAdmin(admin.ModelAdmin):
    list_display = ("theme", "unit", "negative_only", "account")
    list_filter = ("account",)
    raw_id_fields = ("unit",)
