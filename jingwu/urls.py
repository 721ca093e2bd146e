from django.urls import include, path

from jingwu.api import api
from jingwu.jobs.views import healthz

urlpatterns = [
    path("", include("jingwu.web.urls")),
    path("people/", include("jingwu.people.urls")),
    path("incidents/", include("jingwu.incidents.urls")),
    path("cases/", include("jingwu.cases.urls")),
    path("mediation/", include("jingwu.mediation.urls")),
    path("community/", include("jingwu.community.urls")),
    path("custody/", include("jingwu.custody.urls")),
    path("property/", include("jingwu.property.urls")),
    path("supervision/", include("jingwu.supervision.urls")),
    path("quality/", include("jingwu.quality.urls")),
    path("enterprises/", include("jingwu.enterprises.urls")),
    path("search/", include("jingwu.search.urls")),
    path("stats/", include("jingwu.stats.urls")),
    path("ecology/", include("jingwu.ecology.urls")),
    path("campaigns/", include("jingwu.ecology.campaign_urls")),
    path("personnel/", include("jingwu.personnel.urls")),
    path("notifications/", include("jingwu.notifications.urls")),
    path("places/", include("jingwu.geo.urls")),
    path("org/", include("jingwu.org.urls")),
    path("audit/", include("jingwu.audit.urls")),
    path("account/", include("jingwu.access.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
]

handler404 = "jingwu.api.not_found"  # JSON under /api/, the usual page elsewhere
