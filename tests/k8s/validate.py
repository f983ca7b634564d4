#!/usr/bin/env python3
"""Validates every object of a `fabric build` k8s/ folder against its published schema.

Core objects (Node, Namespace, Service, PriorityClass) are checked against
kubernetes-validate's strict schemas: the first object of each kind through its Python API
(its CLI exits 0 for a kind it has no schema for; the API raises), every object through a
validator built once per kind from the same schema files (the API rebuilds it on every
call, 20 ms each, too slow for thousands of Nodes). Kueue and LeaderWorkerSet objects are checked against the CRDs in crds/: each
served version's openAPIV3Schema as a JSON Schema, with `additionalProperties: false` on
every object that lists its properties, so a misspelt field fails as under the API server's
strict field validation. Object names are checked as DNS-1123 names. kustomization.yaml must
list exactly the other files of the folder.

Usage: validate.py K8S_DIR   (exit 0 when everything validates; the last line counts)
"""

import functools
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import kubernetes_validate.utils as kv_utils
import yaml
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent
K8S_VERSION = "1.33"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def strict(schema):
    """The schema with `additionalProperties: false` wherever properties are listed."""
    if isinstance(schema, dict):
        out = {key: strict(value) for key, value in schema.items()}
        if (
            out.get("type") == "object"
            and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@functools.lru_cache(maxsize=None)
def core_validator(api_version, kind):
    """kubernetes_validate.validate's strict validator for one kind, built once."""
    version = [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) <= kv_utils.major_minor(K8S_VERSION)][-1]
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    schema = kv_utils.schema_contents(f"{folder}/{kind.lower()}-{api}.json", K8S_VERSION)
    definitions = kv_utils.schema_contents(f"{folder}/_definitions.json", K8S_VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def crd_schemas():
    schemas = {}
    for path in sorted((HERE / "crds").glob("*.yaml")):
        crd = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = strict(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return schemas


def main(folder):
    folder = pathlib.Path(folder)
    schemas = crd_schemas()
    if not (folder / "kustomization.yaml").is_file():
        print(f"no kustomization.yaml in {folder}")
        return 1
    passed, failed = 0, 0
    seen_kinds = set()
    files = sorted(p.name for p in folder.glob("*.yaml"))
    for name in files:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        docs = [d for d in yaml.load_all((folder / name).read_text(), Loader=loader) if d is not None]
        if not docs and name not in ("namespaces.yaml", "priority-classes.yaml"):
            print(f"FAIL {name}: no object")
            failed += 1
        for doc in docs:
            what = f"{name}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
            try:
                kind, api = doc["kind"], doc["apiVersion"]
                if kind == "Kustomization":
                    listed = sorted(doc["resources"])
                    others = [f for f in files if f != name]
                    if listed != others:
                        raise ValueError(f"lists {listed}, the folder holds {others}")
                else:
                    meta = doc["metadata"]
                    pattern = DNS_SUBDOMAIN if kind in ("Node", "PriorityClass") else DNS_LABEL
                    if not pattern.match(meta["name"]):
                        raise ValueError(f"name {meta['name']!r} is not a DNS-1123 name")
                    if "namespace" in meta and not DNS_LABEL.match(meta["namespace"]):
                        raise ValueError(f"namespace {meta['namespace']!r} is not a DNS-1123 label")
                    if (api, kind) in schemas:
                        errors = sorted(schemas[(api, kind)].iter_errors(doc), key=lambda e: list(e.path))
                        if errors:
                            raise ValueError("; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]))
                    else:
                        if (api, kind) not in seen_kinds:
                            seen_kinds.add((api, kind))
                            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
                        core_validator(api, kind).validate(doc)
                passed += 1
            except Exception as error:  # every failure is reported, then counted
                print(f"FAIL {what}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
