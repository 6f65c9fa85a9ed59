"""Admin for residents' voice: voting rounds, votes, ratings and call-backs."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from desks.admin.scope import OutOfScopeIs404
from desks.models import (
    CallBack,
    Community,
    MenuItem,
    Rating,
    Vote,
    VotingRound,
)
from desks.models.voice import MENU_SIZE
from desks.voice import feedback


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    fields = ("service_item", "position")
    extra = 0
    autocomplete_fields = ("service_item",)


@admin.register(VotingRound)
class VotingRoundAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = ("title", "community", "opens_at", "closes_at", "is_open_now", "votes_count")
    list_filter = (("community", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("community",)
    fields = ("community", "title", "opens_at", "closes_at", "ranking")
    readonly_fields = ("ranking",)
    inlines = (MenuItemInline,)
    actions = ("open_now", "close_now", "use_top")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .annotate(votes_count=Count("votes"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = Community.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("open now"), boolean=True)
    def is_open_now(self, voting_round):
        return voting_round.is_open(timezone.now())

    @admin.display(description=_("votes"), ordering="votes_count")
    def votes_count(self, voting_round):
        return voting_round.votes_count

    @admin.display(description=_("ranking"))
    def ranking(self, voting_round):
        if not voting_round.pk:
            return "-"
        ranked = voting_round.ranking()
        unmapped = voting_round.votes.filter(service_item__isnull=True).count()
        listing = format_html_join(
            "", "<li>{} — {}</li>", ((item.name, item.votes_count) for item in ranked)
        )
        note = (
            format_html(
                "<p>{}</p>",
                ngettext(
                    "%(count)d wish not mapped to a service item yet (see Votes).",
                    "%(count)d wishes not mapped to a service item yet (see Votes).",
                    unmapped,
                )
                % {"count": unmapped},
            )
            if unmapped
            else ""
        )
        return format_html("<ol>{}</ol>{}", listing, note)

    @admin.action(description=_("Open the selected rounds now"))
    def open_now(self, request, queryset):
        now = timezone.now()
        for voting_round in queryset:
            voting_round.opens_at = min(voting_round.opens_at, now)
            voting_round.closes_at = None
            voting_round.save(update_fields=["opens_at", "closes_at"])
        self.message_user(request, _("The selected rounds are open."), messages.SUCCESS)

    @admin.action(description=_("Close the selected rounds now"))
    def close_now(self, request, queryset):
        now = timezone.now()
        for voting_round in queryset.filter(opens_at__lt=now).open_at(now):
            voting_round.closes_at = now
            voting_round.save(update_fields=["closes_at"])
        self.message_user(request, _("The selected rounds are closed."), messages.SUCCESS)

    @admin.action(
        description=format_lazy(_("Use the top {size} as the evening menu"), size=MENU_SIZE)
    )
    def use_top(self, request, queryset):
        for voting_round in queryset:
            feedback.use_top(voting_round)
        self.message_user(
            request,
            _("The evening menu of the selected rounds is now their %(size)d most voted services.")
            % {"size": MENU_SIZE},
            messages.SUCCESS,
        )


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Staff map residents' free-text wishes to a service item here."""

    list_display = ("created_at", "round", "wish", "service_item")
    list_editable = ("service_item",)
    list_filter = (
        ("round", admin.RelatedOnlyFieldListFilter),
        ("service_item", admin.EmptyFieldListFilter),
    )
    list_select_related = ("round__community", "service_item")
    readonly_fields = ("round", "wish", "created_at")
    fields = ("round", "wish", "service_item", "created_at")
    search_fields = ("wish",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(round__community__in=Community.objects.visible_to(request.user))
        )

    def has_add_permission(self, request):
        return False


@admin.register(Rating)
class RatingAdmin(OutOfScopeIs404, admin.ModelAdmin):
    """Read-only: a rating is the resident's word."""

    list_display = ("rated_at", "community", "service_item", "level", "comment")
    list_filter = (("request__community", admin.RelatedOnlyFieldListFilter), "level")
    list_select_related = ("request__community", "request__service_item")
    date_hierarchy = "rated_at"

    @admin.display(description=_("community"), ordering="request__community")
    def community(self, rating):
        return rating.request.community

    @admin.display(description=_("service item"))
    def service_item(self, rating):
        return rating.request.service_item

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(request__community__in=Community.objects.visible_to(request.user))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CallBack)
class CallBackAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = ("rating", "owner", "due_on", "created_at", "closed_at")
    list_filter = (("closed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("rating__request__service_item", "owner")
    date_hierarchy = "due_on"
    raw_id_fields = ("rating",)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
