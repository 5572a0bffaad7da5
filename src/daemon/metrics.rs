//! `[metrics] listen`: the daemon's Prometheus text over plain HTTP, `GET /metrics` (the
//! numbers of [`Store::metrics`] and the checks of `gkwatch health`, read at each request).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::calendar::Calendar;
use crate::config::Settings;
use crate::store::Store;

/// The metrics endpoint could not listen.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} for metrics (metrics.listen in {file}): {source}")]
pub struct MetricsError {
    pub addr: SocketAddr,
    pub file: String,
    #[source]
    pub source: std::io::Error,
}

/// What a request reads.
struct Source {
    store: Store,
    db: PathBuf,
    settings: Settings,
    calendar: Calendar,
}

/// A bound metrics endpoint, not yet serving.
pub struct MetricsServer {
    listener: tokio::net::TcpListener,
    source: Arc<Source>,
}

impl MetricsServer {
    /// Binds `settings.metrics.listen` (port 0: any free port, see [`MetricsServer::addr`]).
    pub async fn bind(
        addr: SocketAddr,
        store: Store,
        db: PathBuf,
        settings: Settings,
        calendar: Calendar,
    ) -> Result<MetricsServer, MetricsError> {
        let file = settings
            .file
            .as_deref()
            .map_or_else(|| "gkwatch.toml".to_string(), |f| f.display().to_string());
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| MetricsError { addr, file, source })?;
        Ok(MetricsServer {
            listener,
            source: Arc::new(Source {
                store,
                db,
                settings,
                calendar,
            }),
        })
    }

    /// The address bound.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until the task is dropped.
    pub async fn serve(self) {
        let router = Router::new()
            .route("/metrics", get(metrics))
            .with_state(self.source);
        if let Err(e) = axum::serve(self.listener, router).await {
            tracing::error!(error = %e, "the metrics endpoint stopped");
        }
    }
}

async fn metrics(State(s): State<Arc<Source>>) -> Response {
    let now = chrono::Utc::now();
    let read = async {
        let health = crate::health::gather(&s.store, &s.db, &s.settings, &s.calendar, now).await?;
        let snapshot = s.store.metrics().await?;
        Ok::<_, crate::store::StoreError>(crate::health::prometheus(&snapshot, &health))
    };
    match read.await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the database");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read the database: {e}\n"),
            )
                .into_response()
        }
    }
}
