"""The staff pages of a shop's site. Each app's views.py holds its pages;
this module only lists them (the apps' urls.py are their REST APIs). It
lives in config, above every app, so that no app has to import all the
others; the namespace stays "ui" (templates reverse "ui:<name>")."""
from django.urls import path

from apps.accounts import mfa_views as mfa
from apps.accounts import staff_views as staff
from apps.accounts import views as accounts
from apps.customers import views as customers
from apps.inventory import views as inventory
from apps.pos_sync import terminal_app
from apps.pos_sync import views as pos_sync
from apps.reports import views as reports
from apps.review import views as review
from apps.sales import counter_views as counter
from apps.sales import customer_merge_views as customer_merge
from apps.sales import return_views as returns
from apps.sales import review_views as review_fixes
from apps.sales import views as sales
from apps.tenancy import views as tenancy
from apps.workshop import appraisal_views as appraisals
from apps.workshop import views as workshop

app_name = "ui"

urlpatterns = [
    path("", reports.dashboard, name="dashboard"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/language/", accounts.language_set, name="language-set"),
    path("accounts/login/verify/", mfa.login_verify, name="login-verify"),
    path("accounts/mfa/", mfa.mfa_page, name="mfa"),
    path("accounts/mfa/codes/", mfa.mfa_codes, name="mfa-codes"),
    path("accounts/mfa/disable/", mfa.mfa_disable, name="mfa-disable"),
    path("accounts/mfa/recovery-codes/", mfa.mfa_recovery_renew, name="mfa-recovery-renew"),
    path("accounts/mfa/staff/", mfa.staff_mfa, name="staff-mfa"),
    path("accounts/set-password/<uidb64>/<token>/", staff.SetPasswordByLinkView.as_view(), name="password-link"),
    path("settings/", tenancy.shop_settings, name="shop-settings"),
    # staff
    path("staff/", staff.staff_page, name="staff-list"),
    path("staff/new/", staff.staff_new, name="staff-create"),
    path("staff/<int:user_id>/", staff.staff_detail, name="staff-detail"),
    path("staff/<int:user_id>/password/", staff.staff_password, name="staff-password"),
    path("staff/<int:user_id>/active/", staff.staff_active, name="staff-active"),
    # inventory and the gold rate board
    path("inventory/", inventory.item_list, name="item-list"),
    path("inventory/new/", inventory.item_new, name="item-create"),
    path("inventory/<uuid:item_id>/", inventory.item_detail, name="item-detail"),
    path("inventory/<uuid:item_id>/edit/", inventory.item_edit, name="item-edit"),
    path("inventory/<uuid:item_id>/tag/", inventory.item_tag, name="item-tag"),
    path("gold-rate/", inventory.gold_rate_board, name="gold-rate"),
    # customers
    path("customers/", customers.customer_list, name="customer-list"),
    path("customers/new/", customers.customer_new, name="customer-create"),
    path("customers/<uuid:customer_id>/", customers.customer_detail, name="customer-detail"),
    path("customers/<uuid:customer_id>/edit/", customers.customer_edit, name="customer-edit"),
    path("customers/<uuid:customer_id>/deactivate/", customers.customer_deactivate_page, name="customer-deactivate"),
    path("customers/<uuid:customer_id>/merge/", customer_merge.customer_merge_page, name="customer-merge"),
    # the workshop
    path("workshop/", workshop.workshop_board, name="workshop"),
    path("workshop/new/", workshop.repair_new, name="repair-create"),
    path("workshop/settings/", workshop.workshop_settings, name="workshop-settings"),
    path("workshop/appraisals/", appraisals.appraisal_list, name="appraisal-list"),
    path("workshop/appraisals/new/", appraisals.appraisal_new, name="appraisal-create"),
    path("workshop/appraisals/<uuid:appraisal_id>/", appraisals.appraisal_detail, name="appraisal-detail"),
    path("workshop/appraisals/<uuid:appraisal_id>/certificate.pdf", appraisals.appraisal_pdf, name="appraisal-pdf"),
    path("workshop/<uuid:ticket_id>/", workshop.repair_detail, name="repair-detail"),
    path("workshop/<uuid:ticket_id>/print/", workshop.repair_print, name="repair-print"),
    path("workshop/<uuid:ticket_id>/move/", workshop.repair_move, name="repair-move"),
    path("workshop/<uuid:ticket_id>/assign/", workshop.repair_assign, name="repair-assign"),
    path("workshop/<uuid:ticket_id>/deposit/", workshop.repair_deposit, name="repair-deposit"),
    path("workshop/<uuid:ticket_id>/gold/", workshop.repair_metal, name="repair-metal"),
    path("workshop/<uuid:ticket_id>/close/", workshop.repair_close, name="repair-close"),
    path("workshop/<uuid:ticket_id>/collect/", workshop.repair_collect, name="repair-collect"),
    # the counter
    path("pos/", counter.pos, name="pos"),
    # the counter as an offline-first POS terminal (the browser is an enrolled device)
    path("pos/terminal/", terminal_app.terminal_app, name="terminal"),
    path("pos/terminal/sw.js", terminal_app.terminal_sw, name="terminal-sw"),
    path("pos/terminal/manifest.webmanifest", terminal_app.terminal_manifest, name="terminal-manifest"),
    path("pos/scan/", counter.pos_scan, name="pos-scan"),
    path("pos/add/", counter.pos_add, name="pos-add"),
    path("pos/lines/<int:index>/", counter.pos_line, name="pos-line"),
    path("pos/trade-ins/", counter.pos_trade_in, name="pos-trade-in"),
    path("pos/trade-ins/<int:index>/remove/", counter.pos_trade_in_remove, name="pos-trade-in-remove"),
    path("pos/customer/", counter.pos_customer, name="pos-customer"),
    path("pos/customer/search/", counter.pos_customer_search, name="pos-customer-search"),
    path("pos/customer/new/", counter.pos_customer_new, name="pos-customer-new"),
    path("pos/payments/", counter.pos_payment, name="pos-payment"),
    path("pos/payments/<int:index>/remove/", counter.pos_payment_remove, name="pos-payment-remove"),
    path("pos/payout/", counter.pos_payout, name="pos-payout"),
    path("pos/exchange/cancel/", counter.pos_exchange_cancel, name="pos-exchange-cancel"),
    path("pos/branch/", counter.pos_branch, name="pos-branch"),
    path("pos/clear/", counter.pos_clear, name="pos-clear"),
    path("pos/checkout/", counter.pos_checkout, name="pos-checkout"),
    # sales and invoices
    path("sales/", sales.sale_list_page, name="sale-list"),
    path("sales/<uuid:sale_id>/", sales.sale_invoice, name="sale-invoice"),
    path("sales/<uuid:sale_id>/pdf/", sales.sale_invoice_pdf, name="sale-invoice-pdf"),
    path("sales/<uuid:sale_id>/void/", sales.sale_void_page, name="sale-void"),
    path("sales/<uuid:sale_id>/return/", returns.sale_return_page, name="sale-return"),
    path("sales/<uuid:sale_id>/exchange/", returns.sale_exchange_page, name="sale-exchange"),
    path("sales/returns/<uuid:return_id>/", returns.return_detail, name="return-detail"),
    path("sales/returns/<uuid:return_id>/pdf/", returns.return_pdf, name="return-pdf"),
    # reports
    path("reports/", reports.report_index, name="report-index"),
    path("reports/<slug:name>/", reports.report_page, name="report"),
    # POS sync review queue and terminals
    path("review/", review.review_list, name="review-list"),
    path("review/<uuid:review_id>/resolve/", review.review_resolve, name="review-resolve"),
    path("review/<uuid:review_id>/stock-count/", review_fixes.review_stock_count, name="review-stock-count"),
    path("review/<uuid:review_id>/accept-price/", review_fixes.review_price_accept, name="review-price-accept"),
    path("review/<uuid:review_id>/void-sale/", review_fixes.review_sale_void, name="review-sale-void"),
    path("terminals/", pos_sync.terminal_list_page, name="terminal-list"),
    path("terminals/<uuid:terminal_id>/code/", pos_sync.terminal_code, name="terminal-code"),
    path("terminals/<uuid:terminal_id>/revoke/", pos_sync.terminal_revoke, name="terminal-revoke"),
]
