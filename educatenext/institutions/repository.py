"""Institutions collection access. An institution carries its own id as institutionId."""

from educatenext.platform.mongo.repository import TenantRepository


class InstitutionRepository(TenantRepository):
    """Institutions; a tenant scope sees only its own institution document."""

    collection_name = "institutions"
