"""the shop in a unique key of every table a shop owns (issue 19): UNIQUE (shop_id, primary
key) on each, so the tables can be distributed by shop_id and co-located (docs/scaling.md); each
replaces the plain index on shop_id the table had, which it serves as well

Revision ID: 0043
Revises: 0041
"""

from alembic import op

revision = "0043"
down_revision = "0041"
branch_labels = None
depends_on = None

# (table, unique index, columns)
SHOP_KEYS = [
    ("sandbox_payout_transfers", "uq_sandbox_payout_transfers_shop_id_ref", ["shop_id", "ref"]),
    ("search_documents", "uq_search_documents_shop_id_id", ["shop_id", "id"]),
    ("audiences", "uq_audiences_shop_id_id", ["shop_id", "id"]),
    ("content_promises", "uq_content_promises_shop_id_id", ["shop_id", "id"]),
    ("experience_incidents", "uq_experience_incidents_shop_id_id", ["shop_id", "id"]),
    ("governance_items", "uq_governance_items_shop_id_id", ["shop_id", "id"]),
    ("history_orders", "uq_history_orders_shop_id_id", ["shop_id", "id"]),
    ("products", "uq_products_shop_id_id", ["shop_id", "id"]),
    ("settlement_payouts", "uq_settlement_payouts_shop_id_id", ["shop_id", "id"]),
    ("settlement_programs", "uq_settlement_programs_shop_id_id", ["shop_id", "id"]),
    ("webhook_endpoints", "uq_webhook_endpoints_shop_id_id", ["shop_id", "id"]),
    ("webhook_events", "uq_webhook_events_shop_id_id", ["shop_id", "id"]),
    ("affiliate_rates", "uq_affiliate_rates_shop_id_id", ["shop_id", "id"]),
    ("apps", "uq_apps_shop_id_id", ["shop_id", "id"]),
    ("governance_penalties", "uq_governance_penalties_shop_id_id", ["shop_id", "id"]),
    ("live_rooms", "uq_live_rooms_shop_id_id", ["shop_id", "id"]),
    ("orders", "uq_orders_shop_id_id", ["shop_id", "id"]),
    ("product_services", "uq_product_services_shop_id_id", ["shop_id", "id"]),
    ("sample_plans", "uq_sample_plans_shop_id_id", ["shop_id", "id"]),
    ("sample_requests", "uq_sample_requests_shop_id_id", ["shop_id", "id"]),
    ("sanctions", "uq_sanctions_shop_id_id", ["shop_id", "id"]),
    ("videos", "uq_videos_shop_id_id", ["shop_id", "id"]),
    ("waves", "uq_waves_shop_id_id", ["shop_id", "id"]),
    ("aftersales_cases", "uq_aftersales_cases_shop_id_id", ["shop_id", "id"]),
    ("chat_conversations", "uq_chat_conversations_shop_id_id", ["shop_id", "id"]),
    ("coupons", "uq_coupons_shop_id_id", ["shop_id", "id"]),
    ("flash_deals", "uq_flash_deals_shop_id_id", ["shop_id", "id"]),
    ("governance_actions", "uq_governance_actions_shop_id_id", ["shop_id", "id"]),
    ("governance_appeals", "uq_governance_appeals_shop_id_id", ["shop_id", "id"]),
    ("order_changes", "uq_order_changes_shop_id_id", ["shop_id", "id"]),
    ("sample_duties", "uq_sample_duties_shop_id_id", ["shop_id", "id"]),
    ("settlement_entries", "uq_settlement_entries_shop_id_id", ["shop_id", "id"]),
    ("settlement_freezes", "uq_settlement_freezes_shop_id_id", ["shop_id", "id"]),
    ("settlement_orders", "uq_settlement_orders_shop_id_order_id", ["shop_id", "order_id"]),
    ("wish_demands", "uq_wish_demands_shop_id_id", ["shop_id", "id"]),
    ("audience_campaigns", "uq_audience_campaigns_shop_id_id", ["shop_id", "id"]),
    ("compensations", "uq_compensations_shop_id_id", ["shop_id", "id"]),
    ("creator_commissions", "uq_creator_commissions_shop_id_id", ["shop_id", "id"]),
    ("live_coupon_offers", "uq_live_coupon_offers_shop_id_id", ["shop_id", "id"]),
    ("parcels", "uq_parcels_shop_id_id", ["shop_id", "id"]),
    ("reviews", "uq_reviews_shop_id_id", ["shop_id", "id"]),
    ("shipping_insurance_claims", "uq_shipping_insurance_claims_shop_id_id", ["shop_id", "id"]),
    ("wish_offers", "uq_wish_offers_shop_id_demand_id", ["shop_id", "demand_id"]),
    ("wishes", "uq_wishes_shop_id_id", ["shop_id", "id"]),
    ("pack_checks", "uq_pack_checks_shop_id_id", ["shop_id", "id"]),
    ("settlement_fee_refunds", "uq_settlement_fee_refunds_shop_id_refund_id", ["shop_id", "refund_id"]),
]
# The plain indexes the unique ones replace (restored on downgrade).
REPLACED = [
    ("settlement_payouts", "ix_settlement_payouts_shop_id", ["shop_id"]),
    ("settlement_freezes", "ix_settlement_freezes_shop_id", ["shop_id"]),
    ("settlement_orders", "ix_settlement_orders_shop_id", ["shop_id"]),
    ("audiences", "ix_audiences_shop_id", ["shop_id"]),
    ("audience_campaigns", "ix_audience_campaigns_shop_id", ["shop_id"]),
    ("products", "ix_products_shop_id", ["shop_id"]),
    ("governance_items", "ix_governance_items_shop_id", ["shop_id"]),
    ("governance_penalties", "ix_governance_penalties_shop_id", ["shop_id"]),
    ("governance_actions", "ix_governance_actions_shop_id", ["shop_id"]),
    ("governance_appeals", "ix_governance_appeals_shop_id", ["shop_id"]),
    ("history_orders", "ix_history_orders_shop_id", ["shop_id"]),
    ("webhook_endpoints", "ix_webhook_endpoints_shop_id", ["shop_id"]),
    ("webhook_events", "ix_webhook_events_shop_id", ["shop_id"]),
    ("apps", "ix_apps_shop_id", ["shop_id"]),
    ("sample_plans", "ix_sample_plans_shop_id", ["shop_id"]),
    ("sample_duties", "ix_sample_duties_shop_id", ["shop_id"]),
    ("creator_commissions", "ix_creator_commissions_shop_id", ["shop_id"]),
    ("live_rooms", "ix_live_rooms_shop_id", ["shop_id"]),
    ("product_services", "ix_product_services_shop_id", ["shop_id"]),
    ("waves", "ix_waves_shop_id", ["shop_id"]),
    ("pack_checks", "ix_pack_checks_shop_id", ["shop_id"]),
    ("flash_deals", "ix_flash_deals_shop_id", ["shop_id"]),
    ("compensations", "ix_compensations_shop_id", ["shop_id"]),
    ("affiliate_rates", "ix_affiliate_rates_shop_id", ["shop_id"]),
    ("videos", "ix_videos_shop_id_id", ["shop_id", "id"]),
]


def upgrade() -> None:
    for table, name, _columns in REPLACED:
        op.drop_index(name, table_name=table)
    for table, name, columns in SHOP_KEYS:
        op.create_index(name, table, columns, unique=True)


def downgrade() -> None:
    for table, name, _columns in SHOP_KEYS:
        op.drop_index(name, table_name=table)
    for table, name, columns in REPLACED:
        op.create_index(name, table, columns)
