"""order sources (cart source tokens, orders.source_ref) and product images

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "product_images",
        sa.Column("id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("upload_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_images_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_product_images_upload_id_uploads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
        sa.UniqueConstraint("product_id", "position", name="uq_product_images_product_position"),
    )
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_token", sa.String(length=120), nullable=True))
        batch_op.drop_constraint("fk_cart_lines_content_id_content_promises", type_="foreignkey")
        batch_op.drop_column("content_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ref", sa.String(length=40), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("source_ref")
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_id", ID, nullable=True))
        batch_op.create_foreign_key(
            "fk_cart_lines_content_id_content_promises", "content_promises", ["content_id"], ["id"]
        )
        batch_op.drop_column("source_token")
    op.drop_table("product_images")
