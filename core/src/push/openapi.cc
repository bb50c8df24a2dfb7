// The OpenAPI fragment of the inbox and push preference routes (merged into
// /api/v1/openapi.json).
#include "inbox_routes.h"

namespace sukusuku::push {

namespace {

const char* kFragment = R"json({
  "tags": [
    { "name": "inbox", "description": "Notifications to me, whether or not a push reached my phone, and how I want to be told" }
  ],
  "paths": {
    "/api/v1/inbox": {
      "get": {
        "tags": ["inbox"],
        "summary": "My notifications, newest first",
        "operationId": "listInbox",
        "security": [{ "bearer": [] }],
        "parameters": [
          { "$ref": "#/components/parameters/Limit" },
          { "$ref": "#/components/parameters/Cursor" },
          { "name": "unread", "in": "query", "required": false, "description": "true: unread ones only", "schema": { "type": "string", "enum": ["true", "false"] } }
        ],
        "responses": {
          "200": {
            "description": "a page of my inbox",
            "content": { "application/json": { "schema": {
              "type": "object", "required": ["items", "next_cursor", "unread"],
              "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/InboxItem" } },
                "next_cursor": { "type": ["string", "null"] },
                "unread": { "type": "integer" }
              } } } }
          },
          "400": { "$ref": "#/components/responses/Error" },
          "401": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/api/v1/inbox/unread-count": {
      "get": {
        "tags": ["inbox"],
        "summary": "How many of my notifications are unread (the app's badge)",
        "operationId": "getInboxUnreadCount",
        "security": [{ "bearer": [] }],
        "responses": {
          "200": { "description": "the count", "content": { "application/json": { "schema": { "type": "object", "required": ["unread"], "properties": { "unread": { "type": "integer" } } } } } },
          "401": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/api/v1/inbox/{inbox_id}": {
      "get": {
        "tags": ["inbox"],
        "summary": "One of my notifications (the target of a push's inbox_id)",
        "operationId": "getInboxItem",
        "security": [{ "bearer": [] }],
        "parameters": [{ "name": "inbox_id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "responses": {
          "200": { "description": "the item", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InboxItem" } } } },
          "401": { "$ref": "#/components/responses/Error" },
          "404": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/api/v1/inbox/{inbox_id}/read": {
      "post": {
        "tags": ["inbox"],
        "summary": "Mark one of my notifications read (the sender sees the read receipt)",
        "operationId": "markInboxItemRead",
        "security": [{ "bearer": [] }],
        "parameters": [{ "name": "inbox_id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "responses": {
          "200": { "description": "the item, with read_at (the first read time stays)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InboxItem" } } } },
          "401": { "$ref": "#/components/responses/Error" },
          "404": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/api/v1/inbox/read-all": {
      "post": {
        "tags": ["inbox"],
        "summary": "Mark all my notifications read",
        "operationId": "markInboxAllRead",
        "security": [{ "bearer": [] }],
        "responses": {
          "200": { "description": "how many were marked", "content": { "application/json": { "schema": { "type": "object", "required": ["marked", "unread"], "properties": { "marked": { "type": "integer" }, "unread": { "type": "integer" } } } } } },
          "401": { "$ref": "#/components/responses/Error" }
        }
      }
    },
    "/api/v1/push/preferences": {
      "get": {
        "tags": ["inbox"],
        "summary": "My push preferences: muted categories and quiet hours",
        "operationId": "getPushPreferences",
        "security": [{ "bearer": [] }],
        "responses": {
          "200": { "description": "my preferences", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PushPreferences" } } } },
          "401": { "$ref": "#/components/responses/Error" }
        }
      },
      "put": {
        "tags": ["inbox"],
        "summary": "Replace my push preferences (urgent messages ignore them)",
        "operationId": "putPushPreferences",
        "security": [{ "bearer": [] }],
        "requestBody": {
          "required": true,
          "content": { "application/json": { "schema": {
            "type": "object", "required": ["muted_categories"],
            "properties": {
              "muted_categories": { "type": "array", "maxItems": 200, "items": { "type": "string" } },
              "quiet_hours": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/QuietHours" } ] }
            } } } }
        },
        "responses": {
          "200": { "description": "my preferences now", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PushPreferences" } } } },
          "400": { "$ref": "#/components/responses/Error" },
          "401": { "$ref": "#/components/responses/Error" },
          "422": { "$ref": "#/components/responses/Error" }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "InboxItem": {
        "type": "object",
        "required": ["id", "notification_id", "category", "priority", "title", "body", "data", "source_ref", "created_at", "read_at"],
        "properties": {
          "id": { "type": "integer" },
          "notification_id": { "type": "integer" },
          "category": { "type": "string", "examples": ["messaging.notice"] },
          "priority": { "type": "string", "enum": ["normal", "urgent"] },
          "title": { "type": "string", "description": "in my language, else Japanese" },
          "body": { "type": "string" },
          "data": { "type": "object", "additionalProperties": { "type": "string" }, "description": "deep-link data" },
          "source_ref": { "type": "string" },
          "created_at": { "type": "string", "format": "date-time" },
          "read_at": { "type": ["string", "null"], "format": "date-time" }
        }
      },
      "QuietHours": {
        "type": "object",
        "required": ["start", "end"],
        "description": "Asia/Tokyo times; start later than end spans midnight",
        "properties": {
          "start": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "examples": ["21:00"] },
          "end": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "examples": ["07:00"] }
        }
      },
      "PushPreferences": {
        "type": "object",
        "required": ["muted_categories", "quiet_hours", "known_categories"],
        "properties": {
          "muted_categories": { "type": "array", "items": { "type": "string" } },
          "quiet_hours": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/QuietHours" } ] },
          "known_categories": { "type": "array", "items": { "type": "string" }, "description": "categories I have received, to offer a switch for each" }
        }
      }
    }
  }
})json";

}  // namespace

nlohmann::json openApiFragment() { return nlohmann::json::parse(kFragment); }

}  // namespace sukusuku::push
