from django.urls import path

from jingwu.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("offences/", views.offence_options, name="offences"),
    path("approvals/", views.approval_inbox, name="approvals"),
    path("approvals/<int:approval_id>/decide/", views.approval_decide, name="decide"),
    path("documents/<int:document_id>/pdf/", views.document_pdf, name="document_pdf"),
    path("attachments/<int:attachment_id>/verify/", views.attachment_verify, name="attachment_verify"),
    path("dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/<int:dossier_id>/package/", views.dossier_package, name="dossier_package"),
    path("dossiers/<int:dossier_id>/receive/", views.dossier_receive, name="dossier_receive"),
    path("dossiers/<int:dossier_id>/outcome/", views.dossier_outcome, name="dossier_outcome"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/assign/", views.case_assign, name="assign"),
    path("<int:case_id>/transitions/<str:name>/", views.case_transition, name="transition"),
    path("<int:case_id>/parties/", views.party_add, name="party_add"),
    path("<int:case_id>/persons/", views.person_candidates, name="person_candidates"),
    path("<int:case_id>/measures/", views.measure_start, name="measure_start"),
    path("<int:case_id>/measures/<int:measure_id>/end/", views.measure_end, name="measure_end"),
    path("<int:case_id>/events/", views.party_event, name="party_event"),
    path("<int:case_id>/deliberations/", views.deliberation_create, name="deliberation_create"),
    path(
        "<int:case_id>/deliberations/<int:deliberation_id>/",
        views.deliberation_minutes,
        name="deliberation",
    ),
    path("<int:case_id>/documents/", views.document_create, name="document_create"),
    path("<int:case_id>/evidence/", views.evidence_create, name="evidence_create"),
    path("<int:case_id>/attachments/", views.attachment_create, name="attachment_create"),
    path("<int:case_id>/dossiers/", views.dossier_create, name="dossier_create"),
]
