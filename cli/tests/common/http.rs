//! A small HTTP/1.1 server for the end-to-end tests: a thread on 127.0.0.1 answering each
//! request with what a test's handler returns, and logging it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// An HTTP request as the test servers see it.
pub struct Request {
    pub method: String,
    /// The path and the query, as sent.
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A status line (`200 OK`), headers and a body.
pub type Response = (String, Vec<(String, String)>, Vec<u8>);

/// An HTTP/1.1 server on 127.0.0.1 (one thread per connection, one request per connection),
/// stopped when dropped: later connections are refused.
pub struct Server {
    port: u16,
    /// `METHOD TARGET` of each request so far.
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(handle: impl Fn(Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handle = std::sync::Arc::new(handle);
        let (stopped, requests) = (stop.clone(), std::sync::Arc::default());
        let log: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::clone(&requests);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let (Ok(stream), handle, log) = (stream, handle.clone(), log.clone()) else { continue };
                std::thread::spawn(move || answer(stream, &*handle, &log));
            }
        });
        Server { port, requests, stop, thread: Some(thread) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Takes the log of requests.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accepting thread, which then drops the listener.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request from `stream`, logs it and writes `handle`'s response.
fn answer(stream: std::net::TcpStream, handle: &dyn Fn(Request) -> Response, log: &std::sync::Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut words = line.split_whitespace();
    let (method, target) = (words.next().unwrap_or("").to_string(), words.next().unwrap_or("").to_string());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).map_or(true, |n| n == 0) || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    log.lock().unwrap().push(format!("{method} {target}"));
    let mut request = Request { method, target, headers, body: Vec::new() };
    // git sends bodies with a length (chunked only above http.postBuffer, 1 MiB).
    let length = request.header("content-length").parse().unwrap_or(0);
    request.body.resize(length, 0);
    let (status, headers, body) = if std::io::Read::read_exact(&mut reader, &mut request.body).is_err() {
        ("400 Bad Request".to_string(), Vec::new(), Vec::new())
    } else if request.header("transfer-encoding").is_empty() {
        handle(request)
    } else {
        ("411 Length Required".to_string(), Vec::new(), Vec::new())
    };
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes()).and_then(|()| stream.write_all(&body));
}

/// Serves `files` (path → body; anything else is a 404).
pub fn serve(files: Vec<(&'static str, String)>) -> Server {
    Server::start(move |request| match files.iter().find(|(p, _)| *p == request.target) {
        Some((_, body)) => {
            ("200 OK".into(), vec![("Content-Type".into(), "text/plain".into())], body.clone().into_bytes())
        }
        None => ("404 Not Found".into(), Vec::new(), b"not found\n".to_vec()),
    })
}
