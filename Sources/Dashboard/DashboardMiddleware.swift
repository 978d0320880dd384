import HTTPTypes
import Hummingbird

/// Checks the bearer token (when one is required), turns every error into a short plain-text answer, and adds the
/// security headers to every response.
struct DashboardMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]?

    // Both names are valid header tokens, so the initializer cannot fail.
    static var frameOptions: HTTPField.Name { HTTPField.Name("X-Frame-Options")! }
    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }

    static var contentSecurityPolicy: String {
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        if let token, !BearerToken.authorizes(request.headers[.authorization], token: token) {
            response = DashboardServer.response(
                "unauthorized: send Authorization: Bearer TOKEN\n", type: "text/plain; charset=utf-8",
                status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError {
                let text = error.body ?? (error.status.code == 404 ? "not found" : error.status.reasonPhrase)
                response = DashboardServer.response(
                    text + "\n", type: "text/plain; charset=utf-8", status: error.status)
            } catch let error as any HTTPResponseError {
                response = DashboardServer.response(
                    error.status.reasonPhrase + "\n", type: "text/plain; charset=utf-8", status: error.status)
            } catch {
                response = DashboardServer.response(
                    "the database could not be read: \(error)\n", type: "text/plain; charset=utf-8",
                    status: .internalServerError)
            }
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.frameOptions] = "DENY"
        response.headers[Self.referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
