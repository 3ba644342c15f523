# The Python side of smur-iam in one image for docker-compose.yml: the provisioning CLI
# (`smur-iam`), the mock PSC (`smur-iam mock-psc`) and the demo SMUR-T@b app (`python -m demoapp`).
# Keycloak runs from its official image; this image never contains a secret.
FROM python:3.11-slim

WORKDIR /opt/smur-iam
COPY pyproject.toml setup.py README.md ./
# Shipped inside the package: a realm directory mounted anywhere still finds it.
COPY mappers/catalogue.yaml ./mappers/catalogue.yaml
COPY provisioning ./provisioning
COPY psc_ids ./psc_ids
COPY mockpsc ./mockpsc
COPY demoapp ./demoapp
RUN pip install --no-cache-dir . && rm -rf build *.egg-info

# An unprivileged user; the PSC discovery cache goes to a writable place. /tls is where docker-compose.yml's
# `tls` job writes the CA and the balancer's certificate: a new `tls` volume takes this directory's owner.
RUN useradd --system --uid 10001 --home-dir /home/smur --create-home smur \
    && install -d -o smur -g smur -m 0755 /tls
USER smur
ENV SMUR_IAM_CACHE=/home/smur/.cache/smur-iam PYTHONUNBUFFERED=1
