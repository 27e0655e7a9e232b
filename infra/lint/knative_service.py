"""Validates Knative Services against Knative Serving's API models.

kubernetes-validate knows only Kubernetes' own kinds, so Knative Services
are checked here with the pydantic models generated from Knative Serving's
CRDs (cloudcoil-models-knative-serving). Those models ignore fields they do
not know; a field that does not survive a round trip through them is
reported as unknown, as `kubernetes-validate --strict` would.

Usage: python knative_service.py FILE...   (exit 1 on any error)
"""

import sys

import yaml
from cloudcoil.models.knative_serving.serving import v1


def unknown_fields(given, kept, path):
    """Paths of keys in `given` that the model dropped from `kept`."""
    if isinstance(given, dict):
        if not isinstance(kept, dict):
            return [path]
        found = []
        for key, value in given.items():
            if key not in kept:
                found.append(f"{path}.{key}")
            else:
                found.extend(unknown_fields(value, kept[key], f"{path}.{key}"))
        return found
    if isinstance(given, list) and isinstance(kept, list):
        found = []
        for i, (a, b) in enumerate(zip(given, kept)):
            found.extend(unknown_fields(a, b, f"{path}[{i}]"))
        return found
    return []


def main(files):
    errors = 0
    checked = 0
    for name in files:
        with open(name, encoding="utf-8") as f:
            documents = [d for d in yaml.safe_load_all(f) if d is not None]
        for doc in documents:
            if doc.get("apiVersion") != "serving.knative.dev/v1" or doc.get("kind") != "Service":
                continue
            checked += 1
            where = f"{name}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            try:
                model = v1.Service.model_validate(doc)
            except Exception as e:  # pydantic's ValidationError, reported as is
                print(f"ERROR {where}: {e}")
                errors += 1
                continue
            kept = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
            for field in unknown_fields(doc, kept, ""):
                print(f"ERROR {where}: unknown field {field.lstrip('.')}")
                errors += 1
            print(f"INFO {where} checked against Knative Serving v1")
    if checked == 0:
        print("ERROR no Knative Service found")
        errors += 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
