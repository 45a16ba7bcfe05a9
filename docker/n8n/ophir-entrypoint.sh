#!/bin/sh
# Puts the OPhir package of this image into n8n's community nodes folder (a volume that outlives the image), then
# starts n8n as the official image does.
set -eu
nodes="${N8N_USER_FOLDER:-/home/node}/.n8n/nodes"
mkdir -p "$nodes/node_modules"
rm -rf "$nodes/node_modules/n8n-nodes-ophir"
cp -R /opt/ophir/nodes/node_modules/. "$nodes/node_modules/"
[ -f "$nodes/package.json" ] || cp /opt/ophir/nodes/package.json "$nodes/package.json"
exec /docker-entrypoint.sh "$@"
