"""The official OASIS XLIFF schemas (tests/data/xliff/oasis/, see its README),
loaded with no network: XLIFF 1.2's import of W3C's xml.xsd by URL is answered
with the copy beside it."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

OASIS = Path(__file__).resolve().parent / "data" / "xliff" / "oasis"
FILES = {"1.2": "xliff-core-1.2-strict.xsd", "2.0": "xliff_core_2.0.xsd"}
XML_XSD = OASIS / "informativeCopiesOf3rdPartySchemas" / "w3c" / "xml.xsd"


class LocalXmlXsd(etree.Resolver):
    def resolve(self, url, public_id, context):
        if url in ("http://www.w3.org/2001/xml.xsd", "https://www.w3.org/2001/xml.xsd"):
            return self.resolve_filename(str(XML_XSD), context)
        return None


@lru_cache(maxsize=None)
def oasis_schema(version: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalXmlXsd())
    return etree.XMLSchema(etree.parse(str(OASIS / FILES[version]), parser))


def validation_errors(tree, version: str) -> str:
    """'' when `tree` is valid against the official schema of its XLIFF version."""
    validator = oasis_schema(version)
    return "" if validator.validate(tree) else str(validator.error_log)
