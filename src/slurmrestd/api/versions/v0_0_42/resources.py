"""v0.0.42 nodes, partitions, reservations and statistics, from v0.0.43: no
topology, TLS certificate fields on nodes, and no partition topology."""

from __future__ import annotations

from slurmrestd.api.versions.derive import derive, renderer
from slurmrestd.api.versions.render import FieldTable
from slurmrestd.api.versions.v0_0_43 import resources as newer

NODE_FIELDS: FieldTable = derive(
    newer.NODE_FIELDS, drop=("cert_flags", "tls_cert_last_renewal", "topology")
)
PARTITION_FIELDS: FieldTable = derive(newer.PARTITION_FIELDS, drop=("topology",))
RESERVATION_FIELDS = newer.RESERVATION_FIELDS
STATISTICS_FIELDS = newer.STATISTICS_FIELDS

render_node = renderer(NODE_FIELDS)
render_partition = renderer(PARTITION_FIELDS)
render_reservation = newer.render_reservation
render_diag = newer.render_diag
